"""What the meeting diagram asks of the minutes domain: alert the chair when the minutes are late."""
from __future__ import annotations

from sqlalchemy import select

from webapp.audit.services import record_event
from webapp.columns import LONDON
from webapp.extensions import db
from webapp.mail.delivery import SERVICE_URL_MARK
from webapp.mail.services import queue_message
from webapp.meetings.models import Meeting
from webapp.minutes.models import MinutesVersion
from webapp.workflow.handlers import ServiceCall


def alert_minutes_late(call: ServiceCall) -> None:
    """The minutes are not issued within the partnership's working days: tell the chair (the convenor when the
    meeting had no chair with an address); the subject names the case reference only."""
    meeting = db.session.get(Meeting, call.data.get("meeting_id"))
    if meeting is None or meeting.case_id != call.subject_id:
        return
    if db.session.scalar(select(MinutesVersion.id).where(MinutesVersion.meeting_id == meeting.id,
                                                         MinutesVersion.status == "issued")) is not None:
        return
    chair = next((i for i in meeting.current_invitees if i.role == "chair"), None)
    to = chair.email if chair is not None else meeting.convened_by.email
    held = meeting.starts_at.astimezone(LONDON).strftime("%-d %B %Y")
    body = "\n".join([
        f"The minutes of the {meeting.kind_label.lower()} held on {held} for case {meeting.case.reference} have "
        "not been issued yet, and the time the partnership allows for circulating them has passed.", "",
        f"The meeting: {SERVICE_URL_MARK}/meetings/{meeting.id}/minutes", "", "OFFICIAL-SENSITIVE"])
    queue_message("minutes_late", to, f"Minutes overdue: case {meeting.case.reference}", body,
                  case_id=meeting.case_id)
    record_event("minutes.late_alerted", actor_label="workflow", subject=meeting.case,
                 detail={"meeting_id": meeting.id})

