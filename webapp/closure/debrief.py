"""The debrief after a case closes following a serious incident: who it involves, and the attendance its step
page starts from."""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.cases.models import Case
from webapp.cases.step_hooks import StepHooks
from webapp.extensions import db
from webapp.meetings.services import practitioners_invited
from webapp.workflow.contract import DiagramNeeds

NEEDS = DiagramNeeds(__name__)
DEBRIEF_FORM = NEEDS.form("section17", "debrief", "the debrief step's attendance is filled in from the case")


class DebriefPerson(NamedTuple):
    name: str
    role_or_agency: str
    email: str | None
    is_manager: bool


def debrief_people(case: Case) -> list[DebriefPerson]:
    """Who a debrief after a serious incident involves: the team's managers, the allocated worker, and the staff
    and agency practitioners invited to the case's meetings (never family members); each once, by e-mail."""
    managers = [u for u in db.session.scalars(db.select(User).where(User.team_id == case.team_id,
                                                                    User.is_active.is_(True)).order_by(User.full_name))
                if u.has_role(Role.TEAM_MANAGER)]
    people = [DebriefPerson(u.full_name, "Team manager", u.email, True) for u in managers]
    if case.allocated_worker is not None:
        people.append(DebriefPerson(case.allocated_worker.full_name, "Allocated social worker",
                                    case.allocated_worker.email, False))
    people += [DebriefPerson(row.name, row.agency or "Children's social care", row.email, False)
               for row in practitioners_invited(case.id)]
    unique: dict[str, DebriefPerson] = {}
    for person in people:  # the first mention wins: a manager invited to a meeting is still told as the manager
        unique.setdefault((person.email or person.name).lower(), person)
    return list(unique.values())


def debrief_attendance(case: Case) -> list[dict]:
    """The debrief form's attendance rows to start from (what the step page would prefill)."""
    return [{"name": person.name, "role_or_agency": person.role_or_agency} for person in debrief_people(case)]


def debrief_starting_answers(case: Case, answers: dict, now: datetime) -> dict:
    """The debrief step, first opened, lists the practitioners involved as its attendance."""
    return {"attendance": debrief_attendance(case)}


DEBRIEF_HOOKS = StepHooks(starting_answers=debrief_starting_answers)
