"""The closing step: the case's open work listed as it is now, each item finished, handed on or left with a
reason, then the step completed with those choices kept in the case's history. Nothing changes until every
item has an acceptable answer, and work that appeared after the page was shown is shown before the case closes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from webapp.audit.services import Origin, record_event
from webapp.cases.models import StepRecord
from webapp.cases.steps import Step, open_step, record_step
from webapp.closure.open_work import OpenWork, open_work
from webapp.columns import london_time
from webapp.errors import InvalidInput, NotFound
from webapp.extensions import db
from webapp.information_requests.services import withdraw_request
from webapp.meetings.services import Mailing, cancel as cancel_meeting
from webapp.minutes.services import mark_done
from webapp.workflow.contract import DiagramNeeds

NEEDS = DiagramNeeds(__name__)
OPEN_WORK_FORM = NEEDS.form("section17", "open_work_check", "the list of open work before a case closes")
ACTION_CHOICES = {"done": "Done", "handed_on": "Handed on: someone else carries it on",
                  "left_open": "Left open"}
REQUEST_CHOICES = {"withdrawn": "Withdraw it: the agency is told no answer is needed",
                   "kept_open": "Keep it open: the agency can still answer"}
MEETING_CHOICES = {"cancelled": "Cancel it: every invitee is sent the calendar cancellation",
                   "kept": "Keep it"}
WITHDRAWN_AT_CLOSURE = "The case closed before the agency answered"
NOTE_LIMIT = 2000
NEW_SINCE_SHOWN = "New since the page was shown: "


@dataclass(frozen=True)
class Disposition:
    """What the person chose for one item, with what they typed (handed_to for an action handed on)."""

    choice: str = ""
    reason: str = ""
    handed_to: str = ""


@dataclass
class ClosingStep:
    step: Step
    work: OpenWork


def closing_step(actor, case_id: int, task_id: str, *, origin: Origin, now: datetime,
                 audit: bool = True) -> ClosingStep:
    """The open closing step the actor may do (as any step: the allocated worker, or the lane's role of the
    team) and the case's open work now; with `audit`, the look is audited."""
    step = open_step(actor, case_id, task_id, origin=origin, audit=audit)
    if step.task.form_key != OPEN_WORK_FORM:
        raise NotFound("This step is not open on this case.")
    return ClosingStep(step, open_work(step.case.id, now))


def meeting_label(meeting) -> str:
    return f"{meeting.kind_label}, {london_time(meeting.starts_at)}, {meeting.location}"


def check_dispositions(work: OpenWork, given: dict[str, Disposition], shown: set[str]) -> dict[str, str]:
    """A message per field the person must still answer, keyed by the page's field names."""
    errors: dict[str, str] = {}

    def need(key: str, choices: dict, what: str, reasons: dict[str, tuple[str, str]]) -> None:
        answer = given.get(key, Disposition())
        if key not in shown:  # appeared after the page was shown: it is shown now, before anything closes
            errors[key] = f"{NEW_SINCE_SHOWN}select what happens to {what}"
        elif answer.choice not in choices:
            errors[key] = f"Select what happens to {what}"
        elif answer.choice in reasons:
            field, message = reasons[answer.choice]
            text = (answer.handed_to if field == "handed-to" else answer.reason).strip()
            if not text:
                errors[f"{key}-{field}"] = message
            elif len(text) > NOTE_LIMIT:
                errors[f"{key}-{field}"] = f"Write {NOTE_LIMIT} characters or fewer"

    for action in work.actions:
        need(f"action-{action.id}", ACTION_CHOICES, "this action",
             {"handed_on": ("handed-to", "Enter who carries this action on"),
              "left_open": ("reason", "Enter why this action stays open")})
    for request in work.requests:
        need(f"request-{request.id}", REQUEST_CHOICES, "this information request",
             {"kept_open": ("reason", "Enter why this request stays open")})
    for meeting in work.meetings:
        need(f"meeting-{meeting.id}", MEETING_CHOICES, "this meeting",
             {"kept": ("reason", "Enter why this meeting is kept")})
    for escalation in work.escalations:
        key = f"escalation-{escalation.id}"
        text = given.get(key, Disposition()).reason.strip()
        if key not in shown:
            errors[f"{key}-reason"] = f"{NEW_SINCE_SHOWN}enter why the case closes with this escalation open"
        elif not text:
            errors[f"{key}-reason"] = "Enter why the case closes with this escalation open"
        elif len(text) > NOTE_LIMIT:
            errors[f"{key}-reason"] = f"Write {NOTE_LIMIT} characters or fewer"
    return errors


def complete_closing_step(actor, case_id: int, task_id: str, given: dict[str, Disposition], shown: set[str], *,
                          mailing: Mailing, origin: Origin, now: datetime) -> StepRecord:
    """Carry out each choice (actions marked, requests withdrawn, meetings cancelled), audit each, and complete
    the step with the choices as its answers, so the case closes. Any missing answer, or open work the page
    did not show, changes nothing."""
    current = closing_step(actor, case_id, task_id, origin=origin, now=now, audit=False)
    case, work = current.step.case, current.work
    errors = check_dispositions(work, given, shown)
    if errors:
        raise InvalidInput("The case was not closed: answer for each piece of open work", errors)
    answers: dict[str, list] = {"actions": [], "information_requests": [], "meetings": [], "escalations": []}
    for action in work.actions:
        answer = given[f"action-{action.id}"]
        note = _note(answer.handed_to if answer.choice == "handed_on" else answer.reason)
        if answer.choice == "done":
            mark_done(actor, case.id, action.id, origin=origin, now=now)
        else:
            action.disposition, action.disposition_note, action.disposed_at = answer.choice, note, now
        answers["actions"].append({"action_id": action.id, "action": action.action[:500],
                                   "owner": action.owner[:200], "choice": answer.choice,
                                   **({"note": note} if answer.choice != "done" else {})})
        _audit(actor, case, origin, "action", action.id, answer.choice)
    for request in work.requests:
        answer = given[f"request-{request.id}"]
        if answer.choice == "withdrawn":
            withdraw_request(actor, request.id, WITHDRAWN_AT_CLOSURE, origin=origin, now=now)
        answers["information_requests"].append({
            "request_id": request.id, "agency": request.agency.name[:200], "choice": answer.choice,
            **({"reason": _note(answer.reason)} if answer.choice == "kept_open" else {})})
        _audit(actor, case, origin, "information_request", request.id, answer.choice)
    for meeting in work.meetings:
        answer = given[f"meeting-{meeting.id}"]
        label = meeting_label(meeting)[:300]
        if answer.choice == "cancelled":
            cancel_meeting(actor, meeting.id, mailing=mailing, origin=origin, now=now)
        answers["meetings"].append({"meeting_id": meeting.id, "meeting": label, "choice": answer.choice,
                                    **({"reason": _note(answer.reason)} if answer.choice == "kept" else {})})
        _audit(actor, case, origin, "meeting", meeting.id, answer.choice)
    for escalation in work.escalations:
        answers["escalations"].append({"escalation_id": escalation.id, "about": escalation.about[:200],
                                       "choice": "kept", "reason": _note(given[f"escalation-{escalation.id}"].reason)})
        _audit(actor, case, origin, "escalation", escalation.id, "kept")
    db.session.flush()
    return record_step(actor, case, current.step.task, {kind: rows for kind, rows in answers.items() if rows},
                       origin=origin, now=now, schema=current.step.schema)


def _note(text: str) -> str:
    return text.strip()[:NOTE_LIMIT]


def _audit(actor, case, origin: Origin, kind: str, item_id: int, choice: str) -> None:
    # What happened to each item at closure; the words typed are in the step's answers on the case record.
    record_event("case.open_work_resolved", actor=actor, subject=case, origin=origin,
                 detail={"kind": kind, "id": item_id, "choice": choice})
