"""Calendar invitations as iTIP (RFC 5546) over e-mail (RFC 6047), built with icalendar.

Each invitee gets their own copy listing only them as attendee (a family member's name and address never reach
another invitee's calendar); times are written in UTC, which every client shows in its own zone without
needing a VTIMEZONE; the organizer is a mailbox the service reads and never an attendee; SEQUENCE rises with
every change; a cancellation is METHOD:CANCEL with STATUS:CANCELLED. Clients may propose a new time (COUNTER):
the convenor moves the meeting or answers DECLINECOUNTER. Nothing here names the child or the concern:
callers pass a summary and description built from the case reference only."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Child in Need workflow//Meetings//EN"
ROLES = {"chair": "CHAIR", "required": "REQ-PARTICIPANT", "optional": "OPT-PARTICIPANT"}


@dataclass(frozen=True)
class Invitation:
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    organizer_email: str
    organizer_name: str
    attendee_email: str
    attendee_name: str
    attendee_role: str = "required"
    description: str = ""
    stamp: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


def _address(email: str, name: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = vText(value)
    return address


def calendar_text(invitation: Invitation, method: str, comment: str = "") -> bytes:
    """The iCalendar object for one invitee: METHOD:REQUEST (an invitation or its update), CANCEL, or
    DECLINECOUNTER (their proposed new time is declined: UID, SEQUENCE, organizer and attendee only)."""
    if method not in {"REQUEST", "CANCEL", "DECLINECOUNTER"}:
        raise ValueError(f"unsupported iTIP method {method}")
    for moment in (invitation.starts_at, invitation.ends_at, invitation.stamp):
        if moment.tzinfo is None:
            raise ValueError("meeting times must be timezone-aware")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", invitation.uid)
    event.add("sequence", invitation.sequence)
    event.add("dtstamp", invitation.stamp.astimezone(timezone.utc))
    if method != "DECLINECOUNTER":
        event.add("dtstart", invitation.starts_at.astimezone(timezone.utc))
        event.add("dtend", invitation.ends_at.astimezone(timezone.utc))
        event.add("summary", invitation.summary)
        event.add("location", invitation.location)
        if invitation.description:
            event.add("description", invitation.description)
    event.add("organizer", _address(invitation.organizer_email, invitation.organizer_name))
    event.add("attendee", _address(invitation.attendee_email, invitation.attendee_name,
                                   role=ROLES[invitation.attendee_role], partstat="NEEDS-ACTION", rsvp="TRUE",
                                   cutype="INDIVIDUAL"))
    if comment:
        event.add("comment", comment)
    if method != "DECLINECOUNTER":
        event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
        event.add("transp", "OPAQUE")
        event.add("class", "CONFIDENTIAL")
    calendar.add_component(event)
    return calendar.to_ical()


def invitation_email(invitation: Invitation, method: str, *, sender: str, subject: str, text: str,
                     html: str, message_id: str, comment: str = "") -> EmailMessage:
    """The e-mail carrying one invitee's copy: multipart/alternative (text, HTML, text/calendar with the
    method parameter equal to METHOD), plus the same calendar as an invite.ics attachment."""
    ics = calendar_text(invitation, method, comment)
    message = EmailMessage()
    message["From"] = sender
    # headerregistry encodes the whole display name (formataddr's quoting splits "Zoë O'Brien, Jr" in two)
    message["To"] = Address(invitation.attendee_name, addr_spec=invitation.attendee_email)
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(invitation.stamp)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    # The calendar goes in as bytes, base64-encoded as they are: given as text, the email package re-encodes it
    # with its own line endings (LF), and RFC 5545 asks for CRLF in every calendar part whatever its encoding.
    message.add_alternative(ics, maintype="text", subtype="calendar", cte="base64",
                            params={"charset": "utf-8", "method": method})
    message.make_mixed()
    message.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
    return message
