"""What a viewer is told of a household's children: by name those whose case they may see; for the others only
the team that knows them and whom to contact there (need to know: a linked household shares its adults and
address, never another team's child)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from webapp.auth.models import Team, User, UserRole
from webapp.auth.roles import Role
from webapp.cases.access import can_see
from webapp.cases.models import Case, Child, Household
from webapp.extensions import db


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    role: str


@dataclass
class KnownElsewhere:
    """Another team's cases in the household: the team, its cases' references and whom to ask there."""

    team_name: str
    case_references: list[str]
    contacts: list[Contact]


def sees_household(actor, household: Household) -> bool:
    """Whether the actor may see at least one case of the household's children."""
    return any(can_see(actor, case) for child in household.children for case in child.cases)


def may_see_child(actor, child: Child, *, household_seen: bool) -> bool:
    """A child is named to those who may see one of its cases; a child with no case of its own (an unborn baby
    linked from a pregnancy notification) to those who see the household."""
    return any(can_see(actor, case) for case in child.cases) if child.cases else household_seen


def known_elsewhere(actor, cases: list[Case]) -> list[KnownElsewhere]:
    """The cases the actor may not see, grouped by team, with the team's contacts (none of the child's details)."""
    by_team: dict[int, list[Case]] = {}
    for case in cases:
        if not can_see(actor, case):
            by_team.setdefault(case.team_id, []).append(case)
    return [KnownElsewhere(db.session.get(Team, team_id).name, [c.reference for c in team_cases],
                           team_contacts(team_id, team_cases))
            for team_id, team_cases in sorted(by_team.items())]


def team_contacts(team_id: int, cases: list[Case]) -> list[Contact]:
    """The allocated workers of the team's open cases among `cases`, then the team's managers; active people only."""
    people = [(c.allocated_worker, "allocated social worker") for c in cases
              if c.closed_at is None and c.allocated_worker is not None and c.allocated_worker.is_active]
    people += [(u, "team manager") for u in team_managers(team_id)]
    unique: dict[int, Contact] = {}
    for user, role in people:
        unique.setdefault(user.id, Contact(user.full_name, user.email, role))
    return list(unique.values())


def team_managers(team_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(UserRole).where(User.team_id == team_id, User.is_active.is_(True),
                                          UserRole.role == Role.TEAM_MANAGER.value).order_by(User.full_name)))


@dataclass
class Sibling:
    """A brother or sister: named (with each case, and whether the viewer may open it) when the viewer may see
    one of the child's cases; otherwise child is None and only the team and whom to contact are shown."""
    child: Child | None
    cases: list[tuple[Case, bool]]
    known_elsewhere: list[KnownElsewhere]


def siblings_of(actor, case: Case) -> list[Sibling]:
    """The other children of the case's household, each as the actor may know them."""
    return [_sibling(actor, child) for child in case.child.household.children if child.id != case.child_id]


def _sibling(actor, child: Child) -> Sibling:
    elsewhere = known_elsewhere(actor, child.cases)
    if may_see_child(actor, child, household_seen=True):  # the viewer sees this case, so the household
        return Sibling(child, [(c, can_see(actor, c)) for c in child.cases], elsewhere)
    return Sibling(None, [], elsewhere)
