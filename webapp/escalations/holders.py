"""Who holds each stage of an escalation, and telling the parties. Stage 1: the person raising it and the case's
social worker (the allocated one, or the team's duty social worker: the first by name). From stage 2 the raising
agency's designated safeguarding lead (or the person raising it) on one side, and on the case's side the team
manager (stage 2), a senior manager (stage 3) and the partnership's independent chair (stage 4)."""
from __future__ import annotations

from sqlalchemy import select

from webapp.auth.models import User, UserRole
from webapp.auth.roles import Role
from webapp.escalations.models import Escalation
from webapp.extensions import db
from webapp.mail.delivery import SERVICE_URL_MARK
from webapp.mail.services import queue_message


def _first_with_role(role: Role, **where) -> User | None:
    query = select(User).join(UserRole).where(UserRole.role == role.value, User.is_active.is_(True))
    for column, value in where.items():
        query = query.where(getattr(User, column) == value)
    return db.session.scalar(query.order_by(User.full_name, User.id).limit(1))


def holders(escalation: Escalation, number: int) -> tuple[User, User | None]:
    """(the raiser's side, the case's side) for a stage."""
    raiser, case = escalation.raised_by, escalation.case
    if number == 1:
        raiser_side = raiser
        worker = case.allocated_worker or _first_with_role(Role.SOCIAL_WORKER, team_id=case.team_id)
        if worker is None or worker.id == raiser.id:
            worker = _first_with_role(Role.TEAM_MANAGER, team_id=case.team_id)
        return raiser_side, worker
    lead = escalation.agency.safeguarding_lead if escalation.agency is not None else None
    raiser_side = lead if lead is not None and lead.is_active else raiser
    if number == 2:
        return raiser_side, _first_with_role(Role.TEAM_MANAGER, team_id=case.team_id)
    if number == 3:
        return raiser_side, _first_with_role(Role.SENIOR_MANAGER)
    return raiser_side, _first_with_role(Role.INDEPENDENT_CHAIR)


def everyone(escalation: Escalation) -> list[User]:
    """Every party: the person who raised it and each stage's holders on both sides, once each."""
    people = {escalation.raised_by.id: escalation.raised_by}
    for stage in escalation.stages:
        for person in (stage.raiser_holder, stage.responder_holder):
            if person is not None:
                people.setdefault(person.id, person)
    return list(people.values())


def tell(people: list[User], escalation: Escalation, subject: str, lines: list[str]) -> None:
    """An e-mail to each person: the case reference and a link, never the child's name or the concern."""
    for person in people:
        body = "\n".join([f"Dear {person.full_name},", "", *lines, "",
                          f"The escalation: {SERVICE_URL_MARK}/escalations/{escalation.id}", "", "OFFICIAL-SENSITIVE"])
        queue_message("escalation", person.email, subject, body, case_id=escalation.case_id)
