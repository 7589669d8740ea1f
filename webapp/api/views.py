"""`/api/v1`: the same services and authorisation as the pages, for other systems and scripts. A bearer token
(personal or service) identifies the caller; cookies are never read here, so a browser session cannot be
borrowed (and CSRF does not apply). Errors are JSON with field detail; the document is `/api/v1/openapi.json`."""
from __future__ import annotations

from flask import Blueprint, g, request

from webapp.api.openapi import document
from webapp.api.tokens import user_for_token
from webapp.audit.services import record_event
from webapp.auth.roles import Role
from webapp.cases import referrals, services as case_services, steps
from webapp.cases.access import get_visible_case
from webapp.cases.queries import my_tasks, search_cases
from webapp.cases.steps import done_on_own_page
from webapp.columns import utc_now
from webapp.database import undone_if_refused
from webapp.errors import Conflict, InvalidInput, NotFound
from webapp.escalations import services as escalations
from webapp.extensions import csrf
from webapp.meetings import access as meeting_access, services as meeting_services
from webapp.meetings.services import meetings_on_case
from webapp.minutes import services as minutes_services
from webapp.shell.security import request_origin

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)
LARGEST_ID = 2**31 - 1


@blueprint.before_request
def authenticate():
    if request.endpoint == "api.openapi":
        return None
    header = request.headers.get("Authorization", "")
    user = user_for_token(header.removeprefix("Bearer ").strip(), utc_now()) if header.startswith("Bearer ") else None
    if user is None:
        return {"error": "A valid API token is required: Authorization: Bearer <token>", "fields": {}}, 401, \
            {"WWW-Authenticate": "Bearer"}
    g.api_user = user
    return None


def _id(value: int) -> int:
    if value > LARGEST_ID:
        raise NotFound("There is no such record.")
    return value


def _json_object() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("The request body must be a JSON object")
    return body


def _answers(body: dict) -> dict:
    answers = body.get("answers")
    if not isinstance(answers, dict):
        raise InvalidInput("Send the answers as a JSON object under 'answers'", {"answers": "Required"})
    return answers


def _shaped(write):
    """Run a write; answers of the wrong shape for the form are a 400, never a server error."""
    try:
        return write()
    except (TypeError, ValueError, AttributeError, KeyError) as error:
        raise InvalidInput(f"The answers do not fit the form: {type(error).__name__}") from None


def _case_summary(case) -> dict:
    return {"id": case.id, "reference": case.reference, "stage": case.stage, "stage_label": case.stage_label,
            "child": {"given_names": case.child.given_names, "family_name": case.child.family_name,
                      "date_of_birth": case.child.date_of_birth.isoformat() if case.child.date_of_birth else None}}


@blueprint.get("/openapi.json")
def openapi():
    return document()


@blueprint.get("/cases")
def cases():
    page = max(request.args.get("page", 1, type=int), 1)
    result = search_cases(g.api_user, request.args.get("q", "")[:200], request.args.get("stage", "")[:40],
                          min(page, 10000))
    return {"items": [{"id": row.case_id, "reference": row.reference, "child_name": row.child_name,
                       "stage": row.stage, "allocated_worker": row.allocated_worker} for row in result.rows],
            "page": result.page, "pages": result.pages, "total": result.total}


@blueprint.get("/cases/<int:case_id>")
def case(case_id: int):
    view = case_services.view_case(g.api_user, _id(case_id), origin=request_origin(), now=utc_now())
    return {**_case_summary(view.case),
            "open_steps": [{"task_id": s.task_id, "name": s.name, "role": s.role, "may_do": s.mine,
                            "due_at": s.due_at.isoformat() if s.due_at else None} for s in view.open_steps],
            "meetings": [m.id for m in view.rows("meetings")]}


@blueprint.post("/referrals")
def create_referral():
    answers = _answers(_json_object())
    actor = g.api_user
    if actor.has_role(Role.AGENCY_PRACTITIONER):
        made = _shaped(lambda: referrals.create_agency_referral(actor, answers, origin=request_origin(),
                                                                now=utc_now()))
    else:
        made = _shaped(lambda: referrals.create_referral(actor, answers, None, origin=request_origin(),
                                                         now=utc_now()))
    return {"id": made.id, "reference": made.reference}, 201


@blueprint.get("/tasks")
def tasks():
    return {"items": [{"case_id": row.case_id, "reference": row.reference, "task_id": row.task_id,
                       "step": row.step, "due_at": row.due_at.isoformat() if row.due_at else None}
                      for row in my_tasks(g.api_user)]}


@blueprint.get("/cases/<int:case_id>/tasks/<task_id>")
def task(case_id: int, task_id: str):
    step = steps.open_step(g.api_user, _id(case_id), task_id, origin=request_origin())
    return {"task_id": step.task.task_id, "name": step.task.name, "role": step.task.role,
            "form_key": step.task.form_key, "form": step.schema,
            "completed_on_its_own_page": done_on_own_page(step.task.form_key)}


@blueprint.post("/cases/<int:case_id>/tasks/<task_id>")
def complete(case_id: int, task_id: str):
    answers = _answers(_json_object())
    step = steps.open_step(g.api_user, _id(case_id), task_id, origin=request_origin(), audit=False)
    if done_on_own_page(step.task.form_key):
        raise Conflict("This step is done on its own page in the service (it records a meeting or minutes).")
    record = _shaped(lambda: steps.record_step(g.api_user, step.case, step.task, answers, origin=request_origin(),
                                               now=utc_now(), schema=step.schema))
    return {"completed": True, "record_id": record.id, "step": record.step_name}


@blueprint.get("/cases/<int:case_id>/meetings")
def meetings(case_id: int):
    found = get_visible_case(g.api_user, _id(case_id))
    record_event("case.viewed", actor=g.api_user, subject=found, origin=request_origin())
    items = [{**_meeting(meeting), "invitees": _invitees(meeting)} for meeting in meetings_on_case(case_id)]
    return {"items": items}


def _meeting(meeting) -> dict:
    return {"id": meeting.id, "kind": meeting.kind, "starts_at": meeting.starts_at.isoformat(),
            "ends_at": meeting.ends_at.isoformat(), "location": meeting.location, "status": meeting.status}


def _invitees(meeting) -> list[dict]:
    return [{"name": i.name, "role": i.role, "answer": i.answer, "attendance": i.attendance}
            for i in meeting.current_invitees]


@blueprint.get("/meetings/<int:meeting_id>")
def meeting(meeting_id: int):
    """One meeting and its issued minutes, for its case's staff and the practitioners invited to it; the list of
    invitees (family members among them) only for the staff, as on the pages."""
    found = meeting_services.read_meeting(g.api_user, _id(meeting_id), origin=request_origin())
    body = {**_meeting(found), "case_reference": found.case.reference,
            "minutes": [{"version": v.number, "status": v.status,
                         "issued_at": v.issued_at.isoformat() if v.issued_at else None,
                         "document_id": v.document_id if v.document and v.document.status == "ready" else None}
                        for v in minutes_services.versions_of(found.id) if v.readable]}
    if meeting_access.reads_as_staff(g.api_user, found):
        body["invitees"] = _invitees(found)
    return body


def _escalation(escalation) -> dict:
    return {"id": escalation.id, "case_reference": escalation.case.reference, "about": escalation.about,
            "category": escalation.category, "stage": escalation.stage, "status": escalation.status,
            "raised_at": escalation.raised_at.isoformat(), "outcome_statement": escalation.outcome_statement}


@blueprint.get("/escalations")
def escalation_list():
    return {"items": [_escalation(e) for e in escalations.my_escalations(g.api_user)]}


@blueprint.get("/escalations/<int:escalation_id>")
def escalation(escalation_id: int):
    found = escalations.get_escalation(g.api_user, _id(escalation_id), origin=request_origin())
    return _escalation(found)


@blueprint.post("/escalations")
def raise_escalation():
    body = _json_object()
    fields = {name: str(body.get(name, "")) for name in ("immediate_risk", "about", "category", "description",
                                                         "risk_now", "outcome_sought")}
    try:
        with undone_if_refused(escalations.ImmediateRisk):
            made = escalations.raise_escalation(g.api_user, escalations.Challenge(**fields), origin=request_origin(),
                                                now=utc_now())
    except escalations.ImmediateRisk:
        return {"error": "The child is at immediate risk: make a referral or call 999 first. Nothing was saved.",
                "fields": {"immediate_risk": "A referral or a 999 call comes first"}}, 422
    return _escalation(made), 201
