"""Reading calendar answers (iTIP REPLY and COUNTER) from the e-mails calendar clients send, tolerant of what
real clients write: any calendar part (text/calendar, application/ics, a .ics attachment; base64 or not), LF-only
lines, folding that splits a UTF-8 character, upper-case MAILTO:, no ORGANIZER (Outlook), a localised SUMMARY,
Windows time-zone names. Only UID and the attendee's address identify an answer."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email import message_from_bytes, policy
from email.utils import parseaddr

from icalendar import Calendar

from webapp.columns import LONDON

METHODS = {"REPLY", "COUNTER"}
READ_PROPERTIES = {None, "UID", "ATTENDEE", "DTSTAMP", "SEQUENCE", "DTSTART", "DTEND", "COMMENT"}  # None: unparsable


class UnreadableReply(ValueError):
    """The message holds no calendar reply we can read; the reason is for the administrators' list."""


@dataclass(frozen=True)
class CalendarAnswer:
    method: str  # REPLY or COUNTER
    uid: str
    attendee: str  # the address, lower case, without mailto:
    partstat: str
    sequence: int
    dtstamp: datetime | None
    comment: str | None
    also_known_as: str | None = None  # the EMAIL= parameter (iCloud writes a relay address as the mailto:)
    sent_by: str | None = None  # SENT-BY: a delegate's mailbox replying for the attendee
    starts_at: datetime | None = None  # a COUNTER's proposed time
    ends_at: datetime | None = None


@dataclass(frozen=True)
class Envelope:
    """What the e-mail itself says: its Message-ID and sender (never trusted alone for identity)."""

    message_id: str | None
    sender: str | None


def envelope_of(raw_message: bytes) -> Envelope:
    message = message_from_bytes(raw_message, policy=policy.compat32)  # headers as written, nothing refused
    message_id = str(message.get("Message-ID") or "").strip()[:250] or None
    sender = parseaddr(str(message.get("From") or ""))[1].strip().lower()[:254] or None
    return Envelope(message_id, sender)


def calendar_parts(raw_message: bytes) -> list[bytes]:
    """Every calendar object in a message, decoded from its transfer encoding."""
    message = message_from_bytes(raw_message, policy=policy.default)
    found = []
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        name = (part.get_filename() or "").lower()
        if kind in {"text/calendar", "application/ics"} or name.endswith(".ics"):
            payload = part.get_payload(decode=True)
            if payload:
                found.append(payload)
    return found


def _unfold(data: bytes) -> bytes:
    """Unfold lines at the byte level, before decoding: a fold may split a multi-byte UTF-8 character."""
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return re.sub(rb"\n[ \t]", b"", data).replace(b"\n", b"\r\n")


def _address(value) -> str | None:
    if value is None:
        return None
    return re.sub(r"^mailto:", "", str(value).strip(), flags=re.IGNORECASE).strip().lower() or None


def _moment(prop) -> datetime | None:
    """A DTSTART/DTEND/DTSTAMP as aware UTC; a floating time (an unknown zone name) is read as UK time."""
    value = getattr(prop, "dt", None)
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())  # an all-day date: its midnight
    if not isinstance(value, datetime):
        return None
    return (value if value.tzinfo is not None else value.replace(tzinfo=LONDON)).astimezone(timezone.utc)


def _the_attendee(event, method: str, sender: str | None):
    """A REPLY names exactly its sender as attendee; Outlook's COUNTER may list everyone, so the sender's own."""
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees] if attendees is not None else []
    if method == "COUNTER" and len(attendees) > 1:
        attendees = [a for a in attendees if sender and sender in {_address(a), _address(a.params.get("EMAIL"))}]
    if len(attendees) != 1:
        raise UnreadableReply(f"a {method} names exactly one attendee, the person answering")
    return attendees[0]


def _answer(event, method: str, sender: str | None) -> CalendarAnswer:
    # icalendar keeps going past a broken line and notes it; a broken line we would read makes the answer unsafe.
    broken = [error for name, error in event.errors if name in READ_PROPERTIES]
    if broken:
        raise UnreadableReply(f"the {method} cannot be read: {broken[0]}"[:300])
    if "UID" not in event:
        raise UnreadableReply(f"the {method} has no UID, so it names no meeting")
    attendee = _the_attendee(event, method, sender)
    comment = event.get("COMMENT") or attendee.params.get("X-RESPONSE-COMMENT")  # Google writes the latter
    return CalendarAnswer(
        method=method, uid=str(event["UID"]).strip(), attendee=_address(attendee),
        partstat=str(attendee.params.get("PARTSTAT", "NEEDS-ACTION")).upper(),
        sequence=int(str(event.get("SEQUENCE", 0)).strip() or 0),
        dtstamp=_moment(event.get("DTSTAMP")),
        comment=str(comment[0] if isinstance(comment, list) else comment) if comment else None,
        also_known_as=_address(attendee.params.get("EMAIL")), sent_by=_address(attendee.params.get("SENT-BY")),
        starts_at=_moment(event.get("DTSTART")) if method == "COUNTER" else None,
        ends_at=_moment(event.get("DTEND")) if method == "COUNTER" else None,
    )


def parse_calendar(data: bytes, sender: str | None = None) -> list[CalendarAnswer]:
    """The answers in one calendar object (one per VEVENT). `sender` picks the proposer in a COUNTER listing
    every attendee."""
    try:
        calendar = Calendar.from_ical(_unfold(data).decode("utf-8", errors="replace"))
    except ValueError as error:
        raise UnreadableReply(f"the calendar part cannot be read: {error}") from None
    method = str(calendar.get("METHOD", "")).strip().upper()
    if method not in METHODS:
        raise UnreadableReply(f"METHOD:{method or '(none)'} is not an answer: only REPLY and COUNTER are")
    try:
        return [_answer(event, method, sender) for event in calendar.walk("VEVENT")]
    except UnreadableReply:
        raise
    except (ValueError, TypeError, AttributeError) as error:  # a SEQUENCE that is no number, a broken date
        raise UnreadableReply(f"the {method} cannot be read: {error}"[:300]) from None


def read_answers(raw_message: bytes, sender: str | None = None) -> list[CalendarAnswer]:
    """Every answer in an e-mail; UnreadableReply with the reason when there is none to read. `sender` (the
    From address, when the caller has read it already) picks the proposer of a COUNTER listing everyone."""
    parts = calendar_parts(raw_message)
    if not parts:
        raise UnreadableReply("the message has no calendar part")
    sender = sender or envelope_of(raw_message).sender
    answers = [answer for part in parts for answer in parse_calendar(part, sender)]
    if not answers:
        raise UnreadableReply("the calendar part holds no event")
    return list(dict.fromkeys(answers))  # the same object as text/calendar and as invite.ics counts once
