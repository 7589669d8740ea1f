"""Composing and queueing each invitee's own calendar message (REQUEST or CANCEL) through the outbox."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import escape

from webapp.columns import LONDON
from webapp.mail.services import new_message_id, one_line, queue_message
from webapp.meetings.itip import Invitation, invitation_email
from webapp.meetings.links import AnswerLinks
from webapp.meetings.models import Invitee, Meeting

ORGANIZER_NAME = "Child in Need meetings"


@dataclass(frozen=True)
class Mailing:
    """What writing invitations needs: the answer links and the organizer mailbox."""

    links: AnswerLinks
    organizer: str


def _when(meeting: Meeting) -> str:
    start, end = meeting.starts_at.astimezone(LONDON), meeting.ends_at.astimezone(LONDON)
    return f"{start.strftime('%A %-d %B %Y, %H:%M')} to {end.strftime('%H:%M')}"


def queue_invitation(meeting: Meeting, invitee: Invitee, method: str, *, links: AnswerLinks, organizer: str,
                     now: datetime) -> None:
    """One message for one invitee: only their name, the case reference, the time and the place."""
    title = f"{meeting.kind_label}: case {meeting.case.reference}"
    name = one_line(invitee.name)  # it goes into the To header and the calendar: an older record may hold a line break
    answers = []
    if method == "CANCEL":
        lead = "This meeting has been cancelled." if meeting.status == "cancelled" else \
            "You are no longer invited to this meeting."
        subject = f"Cancelled: {title}"
    elif method == "DECLINECOUNTER":
        lead = "Thank you for proposing a new time. The meeting stays at the time below."
        subject = f"New time not accepted: {title}"
    else:
        lead = "You are invited to this meeting." if meeting.sequence == 0 else \
            "This meeting has changed. Please answer again."
        subject = f"{'Invitation' if meeting.sequence == 0 else 'Updated invitation'}: {title}"
        answers = [(label, links.url(meeting.id, invitee.id, answer))
                   for label, answer in (("Accept", "accepted"), ("Tentative", "tentative"), ("Decline", "declined"))]
        invitee.sent_sequence = meeting.sequence  # their calendar's replies answer this version
    text = "\n".join([f"Dear {name},", "", lead, "", f"{title}", f"When: {_when(meeting)} (UK time)",
                      f"Where: {meeting.location}", "", *(f"{label}: {url}" for label, url in answers), "",
                      "You can also answer from your calendar.", "", "OFFICIAL-SENSITIVE"])
    html = "".join([f"<p>Dear {escape(name)},</p><p>{escape(lead)}</p>",
                    f"<p><strong>{escape(title)}</strong><br>When: {escape(_when(meeting))} (UK time)<br>",
                    f"Where: {escape(meeting.location)}</p>",
                    "".join(f'<p><a href="{escape(url)}">{escape(label)}</a></p>' for label, url in answers),
                    "<p>OFFICIAL-SENSITIVE</p>"])
    message_id = new_message_id()
    email = invitation_email(
        Invitation(uid=meeting.uid, sequence=meeting.sequence, starts_at=meeting.starts_at, ends_at=meeting.ends_at,
                   summary=title, location=meeting.location, organizer_email=organizer,
                   organizer_name=ORGANIZER_NAME, attendee_email=invitee.email, attendee_name=name,
                   attendee_role=invitee.role, description=f"{title}. Answer from your calendar or by the links in "
                   "the e-mail.", stamp=now),
        method, sender=organizer, subject=subject, text=text, html=html, message_id=message_id,
        comment=lead if method == "DECLINECOUNTER" else "")
    queue_message("meeting_" + method.lower(), invitee.email, subject, text, case_id=meeting.case_id,
                  agency_id=invitee.agency_id, raw_mime=email.as_string(), message_id=message_id)


def send_invitations(meeting: Meeting, mailing: Mailing, now: datetime) -> None:
    """Each current invitee's own REQUEST (the diagram's "Send the invitations")."""
    for invitee in meeting.current_invitees:
        queue_invitation(meeting, invitee, "REQUEST", links=mailing.links, organizer=mailing.organizer, now=now)
    meeting.invitations_sent_at = now
