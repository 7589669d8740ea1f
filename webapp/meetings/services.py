"""Convening a meeting from its workflow step, changing it, the invitees' answers and who attended. Every change
the invitees must see raises the meeting's SEQUENCE and queues their own copy; a removed invitee alone gets a
CANCEL; answers reset when the time or place changes. Moving or cancelling a meeting tells its waiting workflow
step, which re-arms the meeting's timers or opens the convene step again."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import or_, select

from webapp.agencies.models import Agency, AgencyKind
from webapp.audit.services import Origin, record_event
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.cases.access import can_do_step, get_visible_case
from webapp.cases.models import Case
from webapp.cases.next_step import Upcoming
from webapp.cases.steps import Step, open_step, record_step
from webapp.columns import LONDON, london_time
from webapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from webapp.extensions import db
from webapp.meetings import access
from webapp.meetings.invitations import Mailing, queue_invitation, send_invitations
from webapp.meetings.links import AnswerLinks
from webapp.meetings.models import ATTENDANCE_LABELS, ROLE_LABELS, Invitee, Meeting, MeetingKind
from webapp.workflow import runtime
from webapp.workflow.contract import DiagramNeeds

ANSWERS = ("accepted", "tentative", "declined")
NEEDS = DiagramNeeds(__name__)
MEETING_PROCESS = NEEDS.process("section17", "multi_agency_meeting", "every meeting of a case is held in it")
CONVENE_FORM = NEEDS.form(MEETING_PROCESS, "meeting_proposal", "the convene page books the meeting")
ATTENDANCE_FORM = NEEDS.form(MEETING_PROCESS, "meeting_attendance", "the attendance page")
CANCELLED = NEEDS.message(MEETING_PROCESS, "meeting_cancelled", "cancelling opens the convene step again")
RESCHEDULED = NEEDS.message(MEETING_PROCESS, "meeting_rescheduled", "moving a meeting moves its timers")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def configured_mailing() -> Mailing:
    """The service's own links and organizer mailbox, from its configuration (what pages and handlers pass on)."""
    settings = current_app.config["APP_SETTINGS"]
    return Mailing(AnswerLinks(current_app.config["SECRET_KEY"], settings.mail.service_url), settings.mail.organizer)


@dataclass(frozen=True)
class Candidate:
    key: str
    name: str
    email: str
    role: str
    kind: str
    user_id: int | None = None
    agency_id: int | None = None
    label: str = ""


def may_convene(actor, case) -> bool:
    return can_do_step(actor, case, Role.SOCIAL_WORKER.value) or can_do_step(actor, case, Role.TEAM_MANAGER.value)


def require_convenor(actor, case) -> None:
    if not may_convene(actor, case):
        raise PermissionDenied("Meetings are convened by the case's social worker or team manager.")


def candidates(actor, case_id: int) -> list[Candidate]:
    """Who is usually invited: the case's staff, every involved agency (the GP always), parents and carers."""
    case = get_visible_case(actor, case_id)
    require_convenor(actor, case)
    people: list[Candidate] = []
    managers = [u for u in db.session.scalars(select(User).where(User.team_id == case.team_id, User.is_active.is_(True))
                                              .order_by(User.full_name)) if u.has_role(Role.TEAM_MANAGER)]
    for index, manager in enumerate(managers):
        people.append(Candidate(f"user-{manager.id}", manager.full_name, manager.email,
                                "chair" if index == 0 else "optional", "staff", manager.id, None, "Team manager"))
    if case.allocated_worker is not None:
        people.append(Candidate(f"user-{case.allocated_worker.id}", case.allocated_worker.full_name,
                                case.allocated_worker.email, "required", "staff", case.allocated_worker.id, None,
                                "Allocated social worker"))
    for link in case.agencies:
        agency = link.agency
        practitioners = [u for u in agency.members if u.is_active and u.has_role(Role.AGENCY_PRACTITIONER)]
        for person in practitioners:
            people.append(Candidate(f"user-{person.id}", person.full_name, person.email, "required", "agency",
                                    person.id, agency.id, agency.name))
        if not practitioners and agency.email:
            people.append(Candidate(f"agency-{agency.id}", agency.name, agency.email, "required", "agency", None,
                                    agency.id, agency.kind_label))
    for member in case.child.household.members:
        if member.email and (member.has_parental_responsibility or not member.is_regular_visitor):
            people.append(Candidate(f"member-{member.id}", member.full_name, member.email, "required", "family",
                                    label=member.relationship_to_child))
    return list({c.key: c for c in people}.values())


def meeting_start(meeting_id: int) -> datetime:
    """When a meeting starts (diagram timers read it, so a moved meeting moves them)."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("There is no such meeting.")
    return meeting.starts_at


def meeting_step(actor, case_id: int, task_id: str, form_key: str, *, origin: Origin, audit: bool = False) -> Step:
    """An open meeting step of a case (convene, attendance) the actor may do; with `audit`, the look is audited."""
    step = open_step(actor, case_id, task_id, origin=origin, audit=audit)
    if step.task.form_key != form_key:
        raise NotFound("This step is not open on this case.")
    return step


def convene_kind(step: Step) -> MeetingKind:
    """The kind of meeting the diagram asks for at this step (its `meeting_kind`)."""
    return MeetingKind(runtime.task_data(step.task.instance_id, step.task.task_id).get("meeting_kind",
                                                                                       MeetingKind.MULTI_AGENCY.value))


@dataclass(frozen=True)
class Someone:
    """A person to invite who is not proposed from the case (a family friend, another professional)."""

    name: str
    email: str
    role: str = "required"


def _extra_invitee(someone: Someone | None, errors: dict) -> Candidate | None:
    """The other person typed in, if any; None (with the reasons in `errors`) when the details will not do."""
    if someone is None or not (someone.name.strip() or someone.email.strip()):
        return None
    problems = {}
    if not someone.name.strip():
        problems["other_name"] = "Enter the name of the other person to invite"
    if not EMAIL.match(someone.email.strip()):
        problems["other_email"] = "Enter the other person's e-mail address, like name@example.org"
    if someone.role not in ROLE_LABELS:
        problems["other_role"] = "Select the other person's role"
    errors.update(problems)
    return None if problems else Candidate(f"other-{someone.email.strip().lower()}", someone.name.strip()[:160],
                                           someone.email.strip().lower()[:254], someone.role, "other")


def convene(actor, case_id: int, task_id: str, *, starts_at: datetime, ends_at: datetime, location: str,
            chosen: list[str], roles: dict[str, str], someone: Someone | None = None, origin: Origin,
            now: datetime, mailing: Mailing) -> Meeting:
    """Create the meeting and complete the convene step; the diagram's next step sends the invitations (the
    GP practice on the case is always invited). Bad details change nothing."""
    step = meeting_step(actor, case_id, task_id, CONVENE_FORM, origin=origin)
    case = step.case
    offered = {c.key: c for c in candidates(actor, case_id)}
    gp_keys = {key for key, c in offered.items() if c.agency_id is not None and
               any(link.agency_id == c.agency_id and link.agency.kind == AgencyKind.GP_PRACTICE.value
                   for link in case.agencies)}
    errors = _check_time_and_place(starts_at, ends_at, location, now)
    picked = [offered[key] for key in dict.fromkeys([*chosen, *gp_keys]) if key in offered]
    if any(roles.get(c.key, c.role) not in ROLE_LABELS for c in picked):
        errors["invitees"] = "Select a role for each person invited"
    extra = _extra_invitee(someone, errors)
    if extra is not None:
        picked.append(extra)
    if not picked:
        errors["invitees"] = "Select who to invite"
    if any(c.email.lower() == mailing.organizer.lower() for c in picked):
        errors["invitees"] = "The service's meetings mailbox cannot be invited"
    if errors:
        raise InvalidInput("The meeting was not convened", errors)
    meeting = Meeting(case_id=case.id, kind=convene_kind(step).value, uid=f"{uuid.uuid4()}@cin-workflow.local",
                      sequence=0, starts_at=starts_at, ends_at=ends_at, location=location.strip(),
                      convened_by_id=actor.id, created_at=now, instance_id=step.task.instance_id)
    meeting.invitees = [Invitee(name=c.name, email=c.email.lower(), role=roles.get(c.key, c.role), kind=c.kind,
                                user_id=c.user_id, agency_id=c.agency_id) for c in picked]
    db.session.add(meeting)
    db.session.flush()
    record_event("meeting.convened", actor=actor, subject=case, origin=origin,
                 detail={"meeting_id": meeting.id, "invitees": len(picked)})
    record_step(actor, case, step.task, {"meeting_id": meeting.id}, origin=origin, now=now, schema=step.schema)
    return meeting


def _check_time_and_place(starts_at, ends_at, location: str, now: datetime) -> dict[str, str]:
    errors = {}
    if starts_at is None:
        errors["date"] = "Enter a real date and a time like 09:30"
    elif starts_at <= now:
        errors["date"] = "The meeting must be in the future"
    elif ends_at is None or ends_at <= starts_at:
        errors["duration"] = "Select how long the meeting lasts"
    if not location.strip():
        errors["location"] = "Enter where the meeting is, or the online link"
    return errors


def get_meeting(actor, meeting_id: int, *, origin: Origin | None = None) -> Meeting:
    """A meeting of a case the actor works on (its page lists every invitee and family member's answer, so
    invited agency practitioners read its minutes page instead); with `origin`, the look is audited."""
    meeting = access.require_meeting(actor, meeting_id, staff_only=True)
    if origin is not None:
        record_event("meeting.viewed", actor=actor, subject=meeting.case, origin=origin,
                     detail={"meeting_id": meeting.id})
    return meeting


def read_meeting(actor, meeting_id: int, *, origin: Origin) -> Meeting:
    """A meeting the actor may see: its case's staff, or an agency practitioner invited to it (access.py);
    the look is audited."""
    meeting = access.require_meeting(actor, meeting_id)
    record_event("meeting.viewed", actor=actor, subject=meeting.case, origin=origin, detail={"meeting_id": meeting.id})
    return meeting


def _changeable(actor, meeting_id: int, now: datetime) -> Meeting:
    meeting = get_meeting(actor, meeting_id)
    require_convenor(actor, meeting.case)
    if meeting.status == "cancelled":
        raise Conflict("This meeting was cancelled, so it can no longer be changed.")
    if meeting.status == "held" or meeting.starts_at <= now:
        raise Conflict("This meeting has started, so it can no longer be changed: record who attended instead.")
    return meeting


def _tell_workflow(actor, meeting: Meeting, message: str, now: datetime) -> None:
    if meeting.instance_id is not None:
        runtime.send_message(meeting.instance_id, message, {"meeting_id": meeting.id}, actor=actor, now=now)


def reschedule(actor, meeting_id: int, *, starts_at, ends_at, location: str, mailing: Mailing, origin: Origin,
               now: datetime) -> Meeting:
    """A new time or place: SEQUENCE rises, every answer goes back to 'no answer yet', everyone is updated."""
    meeting = _changeable(actor, meeting_id, now)
    errors = _check_time_and_place(starts_at, ends_at, location, now)
    if errors:
        raise InvalidInput("The meeting was not changed", errors)
    meeting.starts_at, meeting.ends_at, meeting.location = starts_at, ends_at, location.strip()
    meeting.sequence += 1
    for invitee in meeting.current_invitees:
        invitee.answer, invitee.answer_comment, invitee.answered_at, invitee.answer_sequence = \
            "needs_action", None, None, None
        invitee.answer_stamp, invitee.answer_via = None, None
    send_invitations(meeting, mailing, now)
    record_event("meeting.rescheduled", actor=actor, subject=meeting.case, origin=origin,
                 detail={"meeting_id": meeting.id, "sequence": meeting.sequence})
    _tell_workflow(actor, meeting, RESCHEDULED, now)  # the reminder and the meeting time move too
    return meeting


def remove_invitee(actor, meeting_id: int, invitee_id: int, *, mailing: Mailing, origin: Origin,
                   now: datetime) -> Invitee:
    """Uninvite one person: they alone get a CANCEL; the others' copies do not change."""
    meeting = _changeable(actor, meeting_id, now)
    invitee = next((i for i in meeting.current_invitees if i.id == invitee_id), None)
    if invitee is None:
        raise NotFound("That person is not invited to this meeting.")
    invitee.removed_at = now
    meeting.sequence += 1
    queue_invitation(meeting, invitee, "CANCEL", links=mailing.links, organizer=mailing.organizer, now=now)
    record_event("meeting.invitee_removed", actor=actor, subject=meeting.case, origin=origin,
                 detail={"meeting_id": meeting.id, "invitee_id": invitee.id})
    return invitee


def cancel(actor, meeting_id: int, *, mailing: Mailing, origin: Origin, now: datetime) -> Meeting:
    meeting = _changeable(actor, meeting_id, now)
    meeting.status = "cancelled"
    meeting.sequence += 1
    for invitee in meeting.current_invitees:
        queue_invitation(meeting, invitee, "CANCEL", links=mailing.links, organizer=mailing.organizer, now=now)
    record_event("meeting.cancelled", actor=actor, subject=meeting.case, origin=origin,
                 detail={"meeting_id": meeting.id})
    _tell_workflow(actor, meeting, CANCELLED, now)  # the convene step opens again
    return meeting


def add_invitee(actor, meeting_id: int, *, key: str, role: str, someone: Someone | None, mailing: Mailing,
                origin: Origin, now: datetime) -> Invitee:
    """Invite one more person to a planned meeting: they get their own REQUEST; nobody else's copy changes."""
    meeting = _changeable(actor, meeting_id, now)
    errors: dict[str, str] = {}
    offered = {c.key: c for c in candidates(actor, meeting.case_id)}
    chosen = _extra_invitee(someone, errors) if key == "other" else offered.get(key)
    if role not in ROLE_LABELS:
        errors["role"] = "Select the person's role"
    if chosen is None and not errors:
        errors["person"] = "Select who to invite, or enter the other person's name and e-mail address"
    elif chosen is not None and any(i.email == chosen.email for i in meeting.current_invitees):
        errors["person"] = f"{chosen.name} is already invited"
    elif chosen is not None and chosen.email == mailing.organizer.lower():
        errors["person"] = "The service's meetings mailbox cannot be invited"
    if errors:
        raise InvalidInput("Nobody was added", errors)
    invitee = Invitee(name=chosen.name, email=chosen.email.lower(), role=role, kind=chosen.kind,
                      user_id=chosen.user_id, agency_id=chosen.agency_id)
    meeting.invitees.append(invitee)
    db.session.flush()
    queue_invitation(meeting, invitee, "REQUEST", links=mailing.links, organizer=mailing.organizer, now=now)
    record_event("meeting.invitee_added", actor=actor, subject=meeting.case, origin=origin,
                 detail={"meeting_id": meeting.id, "invitee_id": invitee.id})
    return invitee


@dataclass(frozen=True)
class Attendance:
    invitee_id: int
    attendance: str
    note: str = ""
    report_received: bool = False


def attendance_meeting(step: Step) -> Meeting:
    meeting_id = runtime.task_data(step.task.instance_id, step.task.task_id).get("meeting_id")
    meeting = db.session.get(Meeting, meeting_id) if meeting_id is not None else None
    if meeting is None:
        raise NotFound("There is no meeting for this step.")
    return meeting


def record_attendance(actor, case_id: int, task_id: str, rows: list[Attendance], *, origin: Origin,
                      now: datetime) -> Meeting:
    """Who attended, sent apologies (with the reason) or did not come, and whose report arrived; then the
    workflow moves on to the minutes. Every invitee needs an answer here."""
    step = meeting_step(actor, case_id, task_id, ATTENDANCE_FORM, origin=origin)
    meeting = attendance_meeting(step)
    given = {row.invitee_id: row for row in rows}
    errors = {}
    for invitee in meeting.current_invitees:
        row = given.get(invitee.id)
        if row is None or row.attendance not in ATTENDANCE_LABELS:
            errors[f"attendance-{invitee.id}"] = f"Select whether {invitee.name} attended"
    if errors:
        raise InvalidInput("Attendance was not recorded", errors)
    for invitee in meeting.current_invitees:
        row = given[invitee.id]
        invitee.attendance, invitee.report_received = row.attendance, row.report_received
        invitee.attendance_note = row.note.strip()[:2000] or None
    meeting.status = "held"
    record_event("meeting.attendance_recorded", actor=actor, subject=step.case, origin=origin,
                 detail={"meeting_id": meeting.id})
    held_on = meeting.starts_at.astimezone(LONDON).date().isoformat()
    record_step(actor, step.case, step.task, {"held_on": held_on}, origin=origin, now=now, schema=step.schema)
    return meeting


def booked_on_case(case_id: int, now: datetime) -> list[Meeting]:
    """Meetings still planned and not yet started, soonest first (a case's open work before it closes)."""
    return list(db.session.scalars(select(Meeting).where(
        Meeting.case_id == case_id, Meeting.status == "planned", Meeting.starts_at > now)
        .order_by(Meeting.starts_at, Meeting.id)))


def upcoming_for(actor, now: datetime, limit: int = 10) -> list[Meeting]:
    """Booked meetings from now on that the actor is invited to or that are about a case allocated to them,
    soonest first (their home page)."""
    invited = select(Invitee.meeting_id).where(Invitee.user_id == actor.id, Invitee.removed_at.is_(None))
    mine = select(Case.id).where(Case.allocated_worker_id == actor.id)
    return list(db.session.scalars(select(Meeting).where(
        Meeting.status == "planned", Meeting.starts_at > now,
        or_(Meeting.id.in_(invited), Meeting.case_id.in_(mine))).order_by(Meeting.starts_at, Meeting.id).limit(limit)))


def booked_upcoming(case_id: int, now: datetime) -> list[Upcoming]:
    """The case's booked meetings, for what happens next on the case (UPCOMING in webapp/wiring.py)."""
    return [Upcoming(m.starts_at, f"the {m.kind_label.lower()} on {london_time(m.starts_at)} at {m.location}")
            for m in booked_on_case(case_id, now)]


def practitioners_invited(case_id: int) -> list:
    """Staff and agency practitioners invited to the case's meetings (never family members), in the order they
    were invited: rows of (name, email, agency name or None)."""
    return list(db.session.execute(
        select(Invitee.name, Invitee.email, Agency.name.label("agency"))
        .join(Meeting, Meeting.id == Invitee.meeting_id).outerjoin(Agency, Agency.id == Invitee.agency_id)
        .where(Meeting.case_id == case_id, Invitee.removed_at.is_(None), Invitee.kind.in_(("staff", "agency")))
        .order_by(Invitee.id)))


def meetings_on_case(case_id: int) -> list[Meeting]:
    return list(db.session.scalars(select(Meeting).where(Meeting.case_id == case_id)
                                   .order_by(Meeting.starts_at.desc())))
