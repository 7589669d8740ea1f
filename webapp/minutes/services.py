"""Writing, approving, issuing and correcting a meeting's minutes.

The minutes step of the meeting process is written on its own page and sent to the chair; the approval step
issues it or sends it back with a reason. Issuing freezes the version (attendance included), turns its actions
into tracked actions on the case, queues its PDF and tells every invitee and the family members on its
distribution list. An issued version is never edited: a correction is a new version with a reason, approved the
same way, and the earlier version stays readable."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from webapp.agencies.models import Agency
from webapp.audit.services import Origin, record_event
from webapp.auth.roles import Role
from webapp.cases.access import can_do_step, get_visible_case
from webapp.cases.flags import concern_flags
from webapp.cases.models import Case, StepRecord
from webapp.cases.steps import Step, record_step
from webapp.columns import long_date
from webapp.documents.services import queue_document
from webapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from webapp.extensions import db
from webapp.meetings import access as meeting_access
from webapp.meetings.models import ATTENDANCE_LABELS, Meeting
from webapp.meetings.services import attendance_meeting, get_meeting, meeting_step, require_convenor
from webapp.minutes.distribution import MinutesLinks, distribute
from webapp.minutes.models import CaseAction, MinutesVersion
from webapp.minutes.reviews import ReviewCadence, check_next_review, held_on
from webapp.plans.services import PLAN_STEP
from webapp.workflow import runtime
from webapp.workflow.contract import DiagramNeeds
from webapp.workflow.dues import Due, timer_due
from webapp.workflow.forms import form_validator, validate_submission

CONTENT_SCHEMA = json.loads(Path(__file__).with_name("content_schema.json").read_text())
CONTENT_VALIDATOR = form_validator(CONTENT_SCHEMA)
NEEDS = DiagramNeeds(__name__)
WRITE_FORM = NEEDS.form("multi_agency_meeting", "meeting_minutes", "the minutes editor")
APPROVE_FORM = NEEDS.form("multi_agency_meeting", "minutes_approval", "the approval page")
MINUTES_DOCUMENT = "minutes"  # the document kind of a minutes version's PDF


def versions_of(meeting_id: int) -> list[MinutesVersion]:
    """Newest first."""
    return list(db.session.scalars(select(MinutesVersion).where(MinutesVersion.meeting_id == meeting_id)
                                   .order_by(MinutesVersion.number.desc())))


def _latest(meeting_id: int, status: str) -> MinutesVersion | None:
    return next((v for v in versions_of(meeting_id) if v.status == status), None)


def issued_version(meeting_id: int) -> MinutesVersion | None:
    return _latest(meeting_id, "issued")


def starting_content(meeting: Meeting) -> dict:
    """A first draft from the agenda: one progress row per outcome of the case's latest plan."""
    plan = db.session.scalar(select(StepRecord).where(StepRecord.case_id == meeting.case_id,
                                                      StepRecord.bpmn_id == PLAN_STEP)
                             .order_by(StepRecord.completed_at.desc()).limit(1))
    outcomes = [row.get("outcome", "") for row in (plan.current_answers.get("outcomes", []) if plan else [])]
    return {"progress": [{"outcome": outcome, "progress": ""} for outcome in outcomes if outcome]}


def family_choices(meeting: Meeting) -> list[tuple[int, str, str]]:
    """(id, name, relationship) of household members with an e-mail address, who may be sent the minutes."""
    return [(m.id, m.full_name, m.relationship_to_child) for m in meeting.case.child.household.members if m.email]


def _checked_content(meeting: Meeting, content: dict, cadence: ReviewCadence) -> dict:
    """Every section checked, and a next review later than the cadence allows only with a reason."""
    checked = validate_submission(CONTENT_VALIDATOR, content)
    errors = check_next_review(checked, held_on(meeting), cadence)
    if errors:
        raise InvalidInput("The minutes were not sent for approval", errors)
    return checked


def _keep(version: MinutesVersion, content: dict, family: list[int]) -> None:
    allowed = {member_id for member_id, _, _ in family_choices(version.meeting)}
    version.content = {key: value for key, value in content.items() if key in CONTENT_SCHEMA["properties"]}
    version.family_distribution = sorted({member_id for member_id in family if member_id in allowed})


# -- the minutes step of the meeting process -------------------------------------------------------------

def writing_step(actor, case_id: int, task_id: str, *, origin: Origin, audit: bool = False
                 ) -> tuple[Step, Meeting, MinutesVersion | None]:
    """The open minutes step, its meeting and the draft so far (none before the first save)."""
    step = meeting_step(actor, case_id, task_id, WRITE_FORM, origin=origin, audit=audit)
    meeting = attendance_meeting(step)
    return step, meeting, _latest(meeting.id, "draft")


def save_minutes(actor, case_id: int, task_id: str, content: dict, family: list[int], *, submit: bool,
                 cadence: ReviewCadence, origin: Origin, now: datetime) -> MinutesVersion:
    """Keep the draft; with `submit`, check every section (the next review against the cadence) and send it
    to the chair (the step completes)."""
    step, meeting, version = writing_step(actor, case_id, task_id, origin=origin)
    if version is None:
        version = MinutesVersion(meeting=meeting, case_id=meeting.case_id, number=1 + len(versions_of(meeting.id)),
                                 written_by_id=actor.id, created_at=now)
        db.session.add(version)
    _keep(version, content, family)
    db.session.flush()
    if submit:
        version.content = _checked_content(meeting, version.content, cadence)
        version.status, version.submitted_at, version.returned_reason = "submitted", now, None
        record_step(actor, step.case, step.task, {"minutes_id": version.id}, origin=origin, now=now,
                    schema=step.schema)
    record_event("minutes.submitted" if submit else "minutes.draft_saved", actor=actor, subject=step.case,
                 origin=origin, detail={"meeting_id": meeting.id, "version": version.number})
    return version


def approval_step(actor, case_id: int, task_id: str, *, origin: Origin, audit: bool = False
                  ) -> tuple[Step, MinutesVersion]:
    step = meeting_step(actor, case_id, task_id, APPROVE_FORM, origin=origin, audit=audit)
    version = db.session.get(MinutesVersion, runtime.task_data(step.task.instance_id, step.task.task_id)
                             .get("minutes_id"))
    if version is None or version.case_id != case_id or version.status != "submitted":
        raise NotFound("There are no minutes waiting for approval at this step.")
    return step, version


def approve_step(actor, case_id: int, task_id: str, *, links: MinutesLinks, origin: Origin,
                 now: datetime) -> MinutesVersion:
    step, version = approval_step(actor, case_id, task_id, origin=origin)
    issue(actor, version, links=links, origin=origin, now=now)
    record_step(actor, step.case, step.task, {"minutes_decision": "approve"}, origin=origin, now=now,
                schema=step.schema)
    return version


def return_step(actor, case_id: int, task_id: str, reason: str, *, origin: Origin, now: datetime) -> MinutesVersion:
    """Back to the writer with the chair's reason; the minutes step opens again."""
    step, version = approval_step(actor, case_id, task_id, origin=origin)
    _send_back(actor, version, reason, origin=origin)
    record_step(actor, step.case, step.task, {"minutes_decision": "return"}, origin=origin, now=now,
                schema=step.schema)
    return version


def _send_back(actor, version: MinutesVersion, reason: str, *, origin: Origin) -> None:
    if not reason.strip():
        raise InvalidInput("The minutes were not sent back", {"reason": "Say what needs changing"})
    version.status, version.returned_reason = "draft", reason.strip()[:5000]
    record_event("minutes.returned", actor=actor, subject=version.meeting.case, origin=origin,
                 detail={"meeting_id": version.meeting_id, "version": version.number})


# -- issuing ---------------------------------------------------------------------------------------------

def attendance_snapshot(meeting: Meeting) -> list[dict]:
    """Invited / attended / apologies (with reasons) / reports received, as the minutes record them."""
    rows = []
    for invitee in meeting.current_invitees:
        organisation = _agency_name(invitee.agency_id) if invitee.agency_id else \
            {"staff": "Children's social care", "family": "Family"}.get(invitee.kind, "")
        rows.append({"name": invitee.name, "organisation": organisation, "role": invitee.role_label,
                     "answer": invitee.answer_label,
                     "attendance": ATTENDANCE_LABELS.get(invitee.attendance or "", "Not recorded"),
                     "note": invitee.attendance_note or "", "report_received": invitee.report_received})
    return rows


def _agency_name(agency_id: int) -> str:
    agency = db.session.get(Agency, agency_id)
    return agency.name if agency else ""


def issue(actor, version: MinutesVersion, *, links: MinutesLinks, origin: Origin, now: datetime) -> None:
    """Freeze the version, replace the one before (it stays readable), track its actions, queue its PDF and
    tell everyone on the distribution list."""
    meeting, previous = version.meeting, issued_version(version.meeting_id)
    if previous is not None:
        previous.status = "superseded"
        for action in db.session.scalars(select(CaseAction).where(CaseAction.minutes_version_id == previous.id,
                                                                  CaseAction.done_at.is_(None),
                                                                  CaseAction.replaced_at.is_(None))):
            action.replaced_at = now  # the correction says what is to be done now
    version.status, version.approved_by_id, version.issued_at = "issued", actor.id, now
    version.attendance = attendance_snapshot(meeting)
    for row in version.content.get("actions", []):
        db.session.add(CaseAction(case_id=version.case_id, minutes_version_id=version.id, action=row["action"],
                                  owner=row["owner"], due_on=date.fromisoformat(row["due_on"])))
    version.document = queue_document(
        version.case_id, MINUTES_DOCUMENT, version.id,
        f"Minutes {meeting.case.reference} {meeting.kind_label} version {version.number}", now)
    distribute(version, links, now)
    record_event("minutes.issued", actor=actor, subject=meeting.case, origin=origin,
                 detail={"meeting_id": meeting.id, "version": version.number})


# -- corrections -----------------------------------------------------------------------------------------

def start_correction(actor, meeting_id: int, reason: str, *, origin: Origin, now: datetime) -> MinutesVersion:
    """A new draft version from the issued one, with the reason for correcting it."""
    meeting = get_meeting(actor, meeting_id)
    require_convenor(actor, meeting.case)
    current = issued_version(meeting_id)
    if current is None:
        raise Conflict("These minutes have not been issued, so there is nothing to correct yet.")
    if any(v.status in {"draft", "submitted"} for v in versions_of(meeting_id)):
        raise Conflict("A correction of these minutes is already being written.")
    if not reason.strip():
        raise InvalidInput("No correction was started", {"reason": "Say why the minutes need correcting"})
    version = MinutesVersion(meeting=meeting, case_id=meeting.case_id, number=current.number + 1,
                             content=dict(current.content), family_distribution=list(current.family_distribution),
                             correction_reason=reason.strip()[:5000], written_by_id=actor.id, created_at=now)
    db.session.add(version)
    db.session.flush()
    record_event("minutes.correction_started", actor=actor, subject=meeting.case, origin=origin,
                 detail={"meeting_id": meeting_id, "version": version.number})
    return version


def correction(actor, meeting_id: int, status: str) -> MinutesVersion:
    """The correction being written (draft) or waiting for approval (submitted)."""
    meeting = get_meeting(actor, meeting_id)
    version = _latest(meeting_id, status)
    if version is None or version.number == 1:
        raise NotFound("There is no correction of these minutes at that stage.")
    if status == "draft":
        require_convenor(actor, meeting.case)
    elif not can_do_step(actor, meeting.case, Role.TEAM_MANAGER.value):
        raise PermissionDenied("Corrections are approved by a team manager of the case's team.")
    return version


def save_correction(actor, meeting_id: int, content: dict, family: list[int], *, submit: bool,
                    cadence: ReviewCadence, origin: Origin, now: datetime) -> MinutesVersion:
    version = correction(actor, meeting_id, "draft")
    _keep(version, content, family)
    if submit:
        version.content = _checked_content(version.meeting, version.content, cadence)
        version.status, version.submitted_at, version.returned_reason = "submitted", now, None
    record_event("minutes.submitted" if submit else "minutes.draft_saved", actor=actor, subject=version.meeting.case,
                 origin=origin, detail={"meeting_id": meeting_id, "version": version.number})
    return version


def approve_correction(actor, meeting_id: int, *, links: MinutesLinks, origin: Origin,
                       now: datetime) -> MinutesVersion:
    version = correction(actor, meeting_id, "submitted")
    issue(actor, version, links=links, origin=origin, now=now)
    return version


def return_correction(actor, meeting_id: int, reason: str, *, origin: Origin) -> MinutesVersion:
    version = correction(actor, meeting_id, "submitted")
    _send_back(actor, version, reason, origin=origin)
    return version


# -- tracked actions -------------------------------------------------------------------------------------

def open_actions(case_id: int, *, set_by: str | None = "minutes") -> list[CaseAction]:
    """Actions still to do (not done, not replaced by a correction or a new plan, not handed on at closure),
    soonest due first: those set by minutes (the agenda's "earlier meetings"), by the plan, or both (None)."""
    query = select(CaseAction).where(CaseAction.case_id == case_id, CaseAction.done_at.is_(None),
                                     CaseAction.replaced_at.is_(None), CaseAction.disposition.is_(None))
    if set_by == "minutes":
        query = query.where(CaseAction.minutes_version_id.is_not(None))
    elif set_by == "plan":
        query = query.where(CaseAction.step_record_id.is_not(None))
    return list(db.session.scalars(query.order_by(CaseAction.due_on, CaseAction.id)))


def case_actions(case_id: int) -> list[CaseAction]:
    """Every current action (done ones included), set by minutes or by the plan, for the case page."""
    return list(db.session.scalars(select(CaseAction).where(CaseAction.case_id == case_id,
                                                            CaseAction.replaced_at.is_(None))
                                   .order_by(CaseAction.done_at.is_not(None), CaseAction.due_on, CaseAction.id)))


def where_set(action: CaseAction) -> str:
    """Where an action was agreed: "CIN plan, agreed 4 March 2026" or "Minutes of the meeting on 2 March 2026"."""
    if action.minutes_version is not None:
        return f"Minutes of the meeting on {long_date(held_on(action.minutes_version.meeting))}"
    plan = db.session.get(StepRecord, action.step_record_id) if action.step_record_id else None
    agreed = plan.current_answers.get("plan_agreed_on") if plan is not None else None
    return f"CIN plan, agreed {long_date(agreed)}" if agreed else "CIN plan"


def actions_owned_by(actor) -> list[CaseAction]:
    """The actions of open cases whose owner's account is the actor's and that are still to do, soonest due
    first (for their home page: the action and its case's reference, nothing else of the case)."""
    return list(db.session.scalars(select(CaseAction).join(Case, Case.id == CaseAction.case_id).where(
        CaseAction.owner_id == actor.id, CaseAction.done_at.is_(None), CaseAction.replaced_at.is_(None),
        CaseAction.disposition.is_(None), Case.closed_at.is_(None)).order_by(CaseAction.due_on, CaseAction.id)))


def mark_done(actor, case_id: int, action_id: int, *, origin: Origin, now: datetime) -> CaseAction:
    """Its owner, or the case's social worker or team manager, marks an action done. Anyone else who cannot
    see the case is told there is no such action, so that it is not given away."""
    action = db.session.get(CaseAction, action_id)
    if action is None or action.case_id != case_id:
        raise NotFound("There is no such action.")
    case = db.session.get(Case, case_id)
    if action.owner_id != actor.id:
        if action.minutes_version is not None:  # the minutes' rule: their meeting's convenor
            meeting = get_meeting(actor, action.minutes_version.meeting_id)
            require_convenor(actor, meeting.case)
        else:
            require_convenor(actor, get_visible_case(actor, case_id))
    if action.done_at is not None or action.replaced_at is not None or action.disposition is not None:
        raise Conflict("This action is already done, or a correction or a new plan replaced it.")
    action.done_at, action.done_by_id = now, actor.id
    record_event("case.action_done", actor=actor, subject=case, origin=origin,
                 detail={"action_id": action.id, "by_owner": action.owner_id == actor.id})
    return action


# -- the agenda ----------------------------------------------------------------------------------------
# A meeting's agenda, built from the case: the standard sections, the plan's actions, the actions earlier minutes
# set that are still open, the concerns flagged at referral. The minutes start from it.

STANDARD_SECTIONS = [
    "Introductions, and who sent apologies or reports",
    "The child's views, and the parents' and family's views",
    "What is working well",
    "Worries and risks",
    "Progress against each outcome of the plan",
    "Decisions, with any dissent",
    "Actions: who will do what, by when",
    "Contingency plan, and how often the child will be seen",
    "Date of the next review",
]


@dataclass
class Agenda:
    sections: list[str] = field(default_factory=lambda: list(STANDARD_SECTIONS))
    open_actions: list[dict] = field(default_factory=list)
    earlier_actions: list = field(default_factory=list)  # CaseAction rows from issued minutes, not yet done
    concerns: list[str] = field(default_factory=list)


def agenda_for(meeting: Meeting) -> Agenda:
    """The agenda of a meeting, from the latest plan and the referral of its case."""
    records = {record.bpmn_id: record for record in db.session.scalars(
        select(StepRecord).where(StepRecord.case_id == meeting.case_id).order_by(StepRecord.completed_at))}

    agenda = Agenda(earlier_actions=open_actions(meeting.case_id))
    if PLAN_STEP in records:
        agenda.open_actions = records[PLAN_STEP].current_answers.get("actions", [])
    agenda.concerns = [str(flag) for flag in concern_flags(meeting.case_id)]
    return agenda


def next_review_set(case_id: int) -> str | None:
    """The next review date the issued minutes of the case's latest held meeting set (ISO), if they set one.
    An earlier meeting's date never counts: the latest meeting decided when the next review is."""
    meeting_id = db.session.scalar(select(Meeting.id).where(Meeting.case_id == case_id, Meeting.status == "held")
                                   .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(1))
    if meeting_id is None:
        return None
    content = db.session.scalar(select(MinutesVersion.content).where(MinutesVersion.meeting_id == meeting_id,
                                                                     MinutesVersion.status == "issued")
                                .order_by(MinutesVersion.number.desc()).limit(1))
    return (content or {}).get("next_review_on") or None


# -- reading ---------------------------------------------------------------------------------------------

def record_minutes_view(actor, meeting: Meeting, *, origin: Origin) -> None:
    record_event("minutes.viewed", actor=actor, subject=meeting.case, origin=origin, detail={"meeting_id": meeting.id})


def meetings_invited_to(actor, *, origin: Origin) -> list[Meeting]:
    """The meetings an agency practitioner was invited to (by name, as webapp/meetings/access.py says), newest
    first."""
    if not actor.has_role(Role.AGENCY_PRACTITIONER):
        raise PermissionDenied("This list is for agency practitioners; staff find meetings on each case.")
    record_event("minutes.meetings_listed", actor=actor, origin=origin)
    return meeting_access.meetings_invited_to(actor)


CIRCULATION_TIMER = NEEDS.element("multi_agency_meeting", "minutes_late", "the minutes' circulation due date")


def circulation_due(meeting: Meeting) -> Due | None:
    """When the minutes of a held meeting must be issued, as the meeting process's timer has it (moved by every
    re-arm); None once they are issued. Meetings of a case run one after another, so the latest is this one's."""
    if meeting.instance_id is None or issued_version(meeting.id) is not None:
        return None
    return timer_due(meeting.instance_id, CIRCULATION_TIMER)
