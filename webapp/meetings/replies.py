"""Reading calendar replies (iTIP REPLY) from the e-mails calendar clients send, tolerant of what real clients
write: any calendar part (text/calendar, application/ics, a .ics attachment; base64 or not), LF-only lines,
folding that splits a UTF-8 character, upper-case MAILTO:, no ORGANIZER (Outlook), a localised SUMMARY. Only
UID and the attendee's address identify an answer."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email import message_from_bytes, policy

from icalendar import Calendar

ANSWERS = {"ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED"}


class UnreadableReply(ValueError):
    """The message holds no calendar reply we can read; the reason is for the administrators' list."""


@dataclass(frozen=True)
class CalendarAnswer:
    method: str
    uid: str
    attendee: str  # the address, lower case, without mailto:
    partstat: str
    sequence: int
    dtstamp: datetime | None
    comment: str | None


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


def _address(value) -> str:
    return re.sub(r"^mailto:", "", str(value).strip(), flags=re.IGNORECASE).strip().lower()


def parse_calendar(data: bytes) -> list[CalendarAnswer]:
    """The answers in one calendar object (one per VEVENT)."""
    try:
        calendar = Calendar.from_ical(_unfold(data).decode("utf-8", errors="replace"))
    except ValueError as error:
        raise UnreadableReply(f"the calendar part cannot be read: {error}") from None
    method = str(calendar.get("METHOD", "")).upper()
    answers = []
    for event in calendar.walk("VEVENT"):
        attendees = event.get("ATTENDEE")
        attendees = attendees if isinstance(attendees, list) else [attendees] if attendees is not None else []
        if "UID" not in event or len(attendees) != 1:
            raise UnreadableReply("a reply names exactly one attendee and the meeting's UID")
        attendee = attendees[0]
        stamp = event.get("DTSTAMP")
        answers.append(CalendarAnswer(
            method=method, uid=str(event["UID"]).strip(), attendee=_address(attendee),
            partstat=str(attendee.params.get("PARTSTAT", "NEEDS-ACTION")).upper(),
            sequence=int(event.get("SEQUENCE", 0)),
            dtstamp=stamp.dt.astimezone(timezone.utc) if stamp is not None and hasattr(stamp.dt, "astimezone") else None,
            comment=str(event["COMMENT"]) if "COMMENT" in event else None,
        ))
    return answers


def read_answers(raw_message: bytes) -> list[CalendarAnswer]:
    """Every answer in an e-mail; UnreadableReply with the reason when there is none to read."""
    parts = calendar_parts(raw_message)
    if not parts:
        raise UnreadableReply("the message has no calendar part")
    answers = [answer for part in parts for answer in parse_calendar(part)]
    if not answers:
        raise UnreadableReply("the calendar part holds no event")
    return list(dict.fromkeys(answers))  # the same object as text/calendar and as invite.ics counts once
