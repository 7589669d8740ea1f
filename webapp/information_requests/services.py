"""Asking an involved agency what it knows, and the agency's answer. Agency practitioners see only the requests
addressed to their agency (to them by name, or to the agency's inbox), and nothing else of the case."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import case as when, func, or_, select

from webapp.agencies.models import Agency
from webapp.audit.services import Origin, record_event
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.cases.access import can_do_step, get_visible_case
from webapp.cases.agency_notices import add_case_agency
from webapp.cases.models import Case
from webapp.columns import LONDON, long_date
from webapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from webapp.extensions import db
from webapp.information_requests.models import ANSWER_TIMER, INFORMATION, SAFER_SLEEP, InformationRequest
from webapp.information_requests.notices import _agency_recipients, tell_agency
from webapp.mail.delivery import SERVICE_URL_MARK
from webapp.mail.services import queue_message
from webapp.safer_sleep import services as safer_sleep
from webapp.workflow import runtime
from webapp.workflow.contract import DiagramNeeds
from webapp.workflow.dues import Due, timer_dues
from webapp.workflow.models import OpenTask

PROCESS = "information_request"
NEEDS = DiagramNeeds(__name__)
WITHDRAWN_MESSAGE = NEEDS.message(PROCESS, "request_withdrawn", "withdrawing a request at closure ends its step")
ANSWER_STEP = NEEDS.element(PROCESS, "answer_request", "the agency answers on it")
ANSWER_FORM = NEEDS.form(PROCESS, "information_request_answer", "the agency's answer page")
NOT_FOUND = "There is no such request for your agency."
SAFER_SLEEP_QUESTION = "Please visit the family and record a safer-sleep assessment for the baby."


def request_information(actor, case_id: int, agency_id: int | None, question: str, *, addressed_to_id: int | None,
                        origin: Origin, now: datetime, kind: str = INFORMATION) -> InformationRequest:
    """Ask an agency about the child (or, for a safer-sleep request, a health visiting or midwifery service to
    record an assessment, `question` being an optional note); the agency joins the agencies-involved register."""
    case = get_visible_case(actor, case_id)
    if not (can_do_step(actor, case, Role.SOCIAL_WORKER.value) or can_do_step(actor, case, Role.TEAM_MANAGER.value)):
        raise PermissionDenied("Information is requested by the case's social worker or team manager.")
    errors = {}
    agency = db.session.get(Agency, agency_id) if agency_id else None
    if agency is None or not agency.is_active:
        errors["agency_id"] = "Select the agency to ask"
    elif kind == SAFER_SLEEP and agency.kind not in safer_sleep.ASKED_KINDS:
        errors["agency_id"] = "Select a health visiting or midwifery service"
    if kind == SAFER_SLEEP:
        question = "\n\n".join(part for part in (SAFER_SLEEP_QUESTION, question.strip()) if part)
    if not question.strip():
        errors["question"] = "Enter what you need to know"
    named = db.session.get(User, addressed_to_id) if addressed_to_id else None
    if addressed_to_id and (named is None or named.agency_id != agency_id or not named.is_active):
        errors["addressed_to_id"] = "Select a practitioner of that agency, or leave it to the agency"
    if errors:
        raise InvalidInput("The request was not sent", errors)
    request = InformationRequest(case_id=case.id, agency_id=agency.id, addressed_to_id=addressed_to_id, kind=kind,
                                 question=question.strip(), requested_by_id=actor.id, requested_at=now)
    db.session.add(request)
    add_case_agency(actor, case, agency, origin=origin, now=now)  # told the case is open if it joins mid-work
    db.session.flush()
    request.workflow_instance_id = runtime.start_instance(
        PROCESS, "information_requests", request.id, {"requested_on": now.astimezone(LONDON).date().isoformat()},
        actor=actor, now=now)
    due = request.due  # the timer just armed: the date the chaser acts on
    by = f" Please answer by {long_date(due.day)}." if due is not None else ""
    if kind == SAFER_SLEEP:
        tell_agency(request, "Safer-sleep assessment requested",
                    "Children's social care asks your agency to record a safer-sleep assessment for a baby." + by)
    else:
        tell_agency(request, "Information request",
                    "Children's social care asks what your agency knows about a child." + by)
    record_event("case.information_requested", actor=actor, subject=case, origin=origin,
                 detail={"request_id": request.id, "agency_id": agency.id, "kind": kind})
    return request


def _visible_to_agency(actor):
    if not actor.has_role(Role.AGENCY_PRACTITIONER) or actor.agency_id is None:
        return None
    return (InformationRequest.agency_id == actor.agency_id) & or_(
        InformationRequest.addressed_to_id.is_(None), InformationRequest.addressed_to_id == actor.id)


def requests_for_agency(actor) -> list[InformationRequest]:
    """The requests addressed to the actor's agency (or to them by name), unanswered first."""
    condition = _visible_to_agency(actor)
    if condition is None:
        raise PermissionDenied("Information requests are answered by agency practitioners.")
    return list(db.session.scalars(select(InformationRequest).where(condition).order_by(
        InformationRequest.answered_at.is_not(None), InformationRequest.requested_at)))


def open_request(actor, request_id: int, *, origin: Origin) -> tuple[InformationRequest, OpenTask | None, dict]:
    """A request for the actor's agency, its open answer step (None once answered) and the answer form."""
    condition = _visible_to_agency(actor)
    request = db.session.scalar(select(InformationRequest).where(InformationRequest.id == request_id, condition)) \
        if condition is not None else None
    if request is None:
        raise NotFound(NOT_FOUND)
    task = db.session.scalar(select(OpenTask).where(OpenTask.instance_id == request.workflow_instance_id,
                                                    OpenTask.bpmn_id == ANSWER_STEP))
    record_event("information_request.viewed", actor=actor, subject=request, origin=origin)
    if request.kind == SAFER_SLEEP:
        return request, task, safer_sleep.SCHEMA
    return request, task, runtime.step_form(request.workflow_instance_id, ANSWER_FORM)


def answer_request(actor, request_id: int, answers: dict, *, origin: Origin, now: datetime) -> InformationRequest:
    """Record the agency's answer on the case; the social worker is told. Bad answers change nothing. A
    safer-sleep request is answered by the assessment itself, the request's step with a short note."""
    request, task, _ = open_request(actor, request_id, origin=origin)
    if task is None:
        raise Conflict(f"This request was answered on {request.answered_at.astimezone(LONDON).strftime('%-d %B %Y')}."
                       if request.answered_at else "This request is no longer waiting for an answer.")
    if request.kind == SAFER_SLEEP:
        safer_sleep.record_for_request(actor, request, answers, origin=origin, now=now)
        answers = {"known_to_agency": True, "what_you_know": "A safer-sleep assessment was recorded on the case."}
    task_id = task.task_id
    db.session.expunge(task)
    request.answer = runtime.complete_task(request.workflow_instance_id, task_id, answers, actor=actor, now=now)
    request.answered_at, request.answered_by_id = now, actor.id
    db.session.flush()
    record_event("case.information_received", actor=actor, subject=request.case, origin=origin,
                 detail={"request_id": request.id})
    return request


def request_from_form(actor, case_id: int, form, *, kind: str = INFORMATION, origin: Origin,
                      now: datetime) -> InformationRequest:
    """The request a page's form describes (agency_id, addressed_to_id, question: strings as posted)."""
    agency_id, person = form.get("agency_id", ""), form.get("addressed_to_id", "")
    return request_information(actor, case_id, int(agency_id) if agency_id.isdecimal() else None,
                               form.get("question", ""), kind=kind,
                               addressed_to_id=int(person) if person.isdecimal() else None, origin=origin, now=now)


def unanswered_on_case(case_id: int) -> list[InformationRequest]:
    """Requests neither answered nor withdrawn, oldest first (a case's open work before it closes)."""
    return list(db.session.scalars(select(InformationRequest).where(
        InformationRequest.case_id == case_id, InformationRequest.answered_at.is_(None),
        InformationRequest.withdrawn_at.is_(None)).order_by(InformationRequest.requested_at, InformationRequest.id)))


def unanswered_by_agency(visible) -> list[tuple]:
    """(agency, outstanding, chased, escalated) for the team dashboard, over the cases the viewer may see
    (`visible`, cases.access.visible_cases_filter), the agency with most outstanding first."""
    return [tuple(row) for row in db.session.execute(
        select(Agency.name, func.count(InformationRequest.id),
               func.sum(when((InformationRequest.chased_at.is_not(None), 1), else_=0)),
               func.sum(when((InformationRequest.escalated_at.is_not(None), 1), else_=0)))
        .join(Agency, Agency.id == InformationRequest.agency_id).join(Case, Case.id == InformationRequest.case_id)
        .where(visible, InformationRequest.answered_at.is_(None), InformationRequest.withdrawn_at.is_(None))
        .group_by(Agency.name).order_by(func.count(InformationRequest.id).desc()))]


def requests_on_case(case_id: int) -> list[InformationRequest]:
    return list(db.session.scalars(select(InformationRequest).where(InformationRequest.case_id == case_id)
                                   .order_by(InformationRequest.requested_at)))


def dues(requests: list[InformationRequest]) -> dict[int, Due]:
    """Each request's answer due date, as its timer has it (request id -> Due), in one query for a list."""
    by_instance = timer_dues([r.workflow_instance_id for r in requests], ANSWER_TIMER)
    return {r.id: by_instance[r.workflow_instance_id] for r in requests if r.workflow_instance_id in by_instance}


def withdraw_request(actor, request_id: int, reason: str, *, origin: Origin, now: datetime) -> InformationRequest:
    """Withdraw an unanswered request (its case closes without the answer): its process ends with its timers,
    so it is never chased again, and the agency is told by case reference and a sign-in link only."""
    request = db.session.get(InformationRequest, request_id)
    case = get_visible_case(actor, request.case_id) if request is not None else None
    if request is None:
        raise NotFound("There is no such information request on this case.")
    if not (can_do_step(actor, case, Role.SOCIAL_WORKER.value) or can_do_step(actor, case, Role.TEAM_MANAGER.value)):
        raise PermissionDenied("A request is withdrawn by the case's social worker or team manager.")
    if request.answered_at is not None or request.withdrawn_at is not None:
        raise Conflict("This request was answered or withdrawn meanwhile: reload the page.")
    if request.workflow_instance_id is not None:
        try:
            runtime.send_message(request.workflow_instance_id, WITHDRAWN_MESSAGE, {}, actor=actor, now=now)
        except Conflict:
            raise Conflict("This request's process cannot take a withdrawal (it was answered meanwhile, or sent "
                           "under an older version of its process): reload the page, or keep it open with a "
                           "reason.") from None
    request.withdrawn_at, request.withdrawn_reason = now, (reason.strip() or "The case closed")[:2000]
    _tell_withdrawn(request)
    db.session.flush()
    record_event("case.information_request_withdrawn", actor=actor, subject=case, origin=origin,
                 detail={"request_id": request.id, "agency_id": request.agency_id})
    return request


def _tell_withdrawn(request: InformationRequest) -> None:
    # No link to the request: there is nothing left to answer there.
    reference = request.case.reference
    for address in _agency_recipients(request):
        queue_message("information_request", address, f"Information request withdrawn: case {reference}",
                      "Children's social care has withdrawn its information request to your agency: the case "
                      "has closed, so no answer is needed.\n\n"
                      f"Case reference: {reference}\nSign in to the service: {SERVICE_URL_MARK}/\n\n"
                      "OFFICIAL-SENSITIVE", case_id=request.case_id, agency_id=request.agency_id)
