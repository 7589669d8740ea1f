"""Messages about a case to other teams: case references and a sign-in link only, never a child's name."""
from __future__ import annotations

from webapp.cases.households import team_managers
from webapp.cases.models import Case
from webapp.extensions import db
from webapp.mail.delivery import SERVICE_URL_MARK
from webapp.mail.services import queue_message

LINKED_TITLE = "New referral linked to the household"
LINKED_TEXT = ("A new referral to children's social care has been linked to the household of a child whose case "
               "your team holds. Brothers' and sisters' records are linked so that everyone working with the family "
               "sees all the children: sign in to see who now works with the household and whom to contact.")


def tell_household_teams(new_case: Case) -> int:
    """Tell the allocated workers and team managers of other teams' cases in the new case's household that a
    referral was linked to it (the Child I review asked for linked sibling records). Each person is told once,
    with their own team's case references; returns how many were told."""
    db.session.flush()
    by_team: dict[int, list[Case]] = {}
    for child in new_case.child.household.children:
        for case in child.cases:
            if case.team_id != new_case.team_id:
                by_team.setdefault(case.team_id, []).append(case)
    told: dict[str, list[Case]] = {}

    def tell(person, cases: list[Case]) -> None:
        if person.is_active:
            known = told.setdefault(person.email, [])
            known += [c for c in cases if c not in known]

    for team_id, cases in by_team.items():
        for case in cases:
            if case.closed_at is None and case.allocated_worker is not None:
                tell(case.allocated_worker, [case])
        for manager in team_managers(team_id):
            tell(manager, cases)
    for address, cases in told.items():
        references = ("Your team's case in the household: " if len(cases) == 1 else
                      "Your team's cases in the household: ") + ", ".join(c.reference for c in cases)
        queue_message("household_linked", address, f"{LINKED_TITLE}: case {cases[0].reference}",
                      f"{LINKED_TEXT}\n\n{references}\n"
                      f"Sign in to see the household: {SERVICE_URL_MARK}/cases/{cases[0].id}\n\nOFFICIAL-SENSITIVE",
                      case_id=cases[0].id)
    return len(told)
