"""What the information-request diagram asks: chase the agency, escalate to the team manager, tell the worker."""
from __future__ import annotations

from sqlalchemy import select

from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.columns import long_date
from webapp.extensions import db
from webapp.information_requests.models import ESCALATION_TIMER, InformationRequest
from webapp.information_requests.notices import tell_agency
from webapp.mail.delivery import SERVICE_URL_MARK
from webapp.mail.services import queue_message
from webapp.workflow.dues import timer_due
from webapp.workflow.handlers import ServiceCall


def _request(call: ServiceCall) -> InformationRequest:
    return db.session.get(InformationRequest, call.subject_id)


def _tell(people, request: InformationRequest, title: str, text: str) -> None:
    for person in {p.id: p for p in people if p is not None}.values():
        queue_message("information_request", person.email, f"{title}: case {request.case.reference}",
                      f"{text}\n\nCase reference: {request.case.reference}\n"
                      f"Open the case: {SERVICE_URL_MARK}/cases/{request.case_id}\n\nOFFICIAL-SENSITIVE",
                      case_id=request.case_id)


def chase_information_request(call: ServiceCall) -> None:
    request = _request(call)
    if request.withdrawn_at is not None:  # a request started before withdrawal ended its process: never chased
        return
    request.chased_at = call.now
    due, escalation = request.due, timer_due(request.workflow_instance_id, ESCALATION_TIMER)
    tell_agency(request, "Reminder: information request overdue",
                "Children's social care is still waiting for your agency's answer about a child."
                + (f" It was due by {long_date(due.day)}." if due else "")
                + (f" If it is not answered by {long_date(escalation.day)}, the team manager is told."
                   if escalation and escalation.waiting else ""))
    record_event("information_request.chased", actor_label="workflow", subject=request)


def escalate_information_request(call: ServiceCall) -> None:
    request = _request(call)
    if request.withdrawn_at is not None:  # a request started before withdrawal ended its process: never chased
        return
    request.escalated_at = call.now
    managers = [u for u in db.session.scalars(select(User).where(User.team_id == request.case.team_id,
                                                                 User.is_active.is_(True)))
                if u.has_role(Role.TEAM_MANAGER)]
    _tell(managers, request, "Information request unanswered",
          f"{request.agency.name} has not answered an information request, even after a reminder.")
    record_event("information_request.escalated", actor_label="workflow", subject=request)


def information_request_answered(call: ServiceCall) -> None:
    request = _request(call)
    _tell([request.requested_by, request.case.allocated_worker], request, "Information received",
          f"{request.agency.name} has answered your information request.")
