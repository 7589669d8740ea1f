"""What the meeting diagram asks of the meetings domain: name the kind of meeting, send the invitations,
remind the convenor of missing answers, and say how the meeting ended."""
from __future__ import annotations

from datetime import timedelta

from webapp.audit.services import record_event
from webapp.columns import LONDON
from webapp.extensions import db
from webapp.mail.delivery import SERVICE_URL_MARK
from webapp.mail.services import queue_message
from webapp.meetings.invitations import send_invitations
from webapp.meetings.models import Meeting, MeetingKind
from webapp.meetings.services import configured_mailing
from webapp.minutes.services import next_review_set
from webapp.workflow.handlers import ServiceCall

OUTCOMES = frozenset({"held", "rationale"})
# Invitations sent less than this before the reminder day get no reminder: nobody had time to answer.
REMINDER_GRACE = timedelta(days=1)


def _meeting(call: ServiceCall) -> Meeting:
    meeting = db.session.get(Meeting, call.data.get("meeting_id"))
    if meeting is None or meeting.case_id != call.subject_id:
        raise ValueError("the step's meeting is not a meeting of this case")
    return meeting


def plan_meeting(call: ServiceCall) -> dict:
    """The kind of meeting the next call of the meeting process holds (its invitations and agenda say so); for
    a review, the date the latest meeting's issued minutes set for it (`next_review_on`, None if they set none),
    which the review's timer uses instead of the partnership's interval."""
    kind = MeetingKind(call.properties["kind"])
    return {"meeting_kind": kind.value,
            "next_review_on": next_review_set(call.subject_id) if kind == MeetingKind.CIN_REVIEW else None}


def send_meeting_invitations(call: ServiceCall) -> None:
    send_invitations(_meeting(call), configured_mailing(), call.now)


def remind_unanswered_invitees(call: ServiceCall) -> None:
    """E-mail the convenor the invitees without an answer; the subject names the case reference only."""
    meeting, now = _meeting(call), call.now
    waiting = [i for i in meeting.current_invitees if i.answer == "needs_action"]
    if meeting.status != "planned" or not waiting or (meeting.invitations_sent_at or now) > now - REMINDER_GRACE:
        return
    start = meeting.starts_at.astimezone(LONDON).strftime("%A %-d %B %Y at %H:%M")
    body = "\n".join([
        f"The {meeting.kind_label.lower()} for case {meeting.case.reference} is on {start} (UK time).", "",
        f"{len(waiting)} of {len(meeting.current_invitees)} invitees have not answered yet:",
        *(f"- {invitee.name}" for invitee in waiting), "",
        "You may want to contact them, or invite someone else from their agency.", "",
        f"The meeting: {SERVICE_URL_MARK}/meetings/{meeting.id}", "", "OFFICIAL-SENSITIVE"])
    convenor = meeting.convened_by
    queue_message("meeting_reminder", convenor.email, f"Unanswered invitations: case {meeting.case.reference}", body,
                  case_id=meeting.case_id)
    record_event("meeting.convenor_reminded", actor_label="workflow", subject=meeting.case,
                 detail={"meeting_id": meeting.id, "unanswered": len(waiting)})


def finish_meeting(call: ServiceCall) -> dict:
    """How the meeting process ended, for the caller: held (on which day) or a rationale signed instead."""
    outcome = call.properties["outcome"]
    return {"meeting_outcome": outcome, "meeting_held_on": call.data.get("held_on") if outcome == "held" else None}
