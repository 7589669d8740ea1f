"""Calendar replies shaped as the major clients write them (MIME structure, encodings, line endings and
iCalendar quirks as in the captures described in ../shared/notes/icalendar.md and fixtures/README.md)."""
from __future__ import annotations

import base64
import quopri
from datetime import datetime, timedelta, timezone

CRLF = "\r\n"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Fold at 75 octets as RFC 5545 asks, possibly inside a UTF-8 character (allowed, and clients do it)."""
    data, out = line.encode(), []
    while len(data) > 75:
        out.append(data[:75])
        data = b" " + data[75:]
    out.append(data)
    return b"\r\n".join(out).decode("utf-8", "surrogateescape")


def _ics(lines: list[str], newline: str = CRLF) -> bytes:
    return newline.join(_fold(line) for line in lines).encode("utf-8", "surrogateescape") + newline.encode()


def outlook(uid: str, email: str, name: str, partstat: str = "ACCEPTED", *, sequence: int = 0,
            stamp: datetime, comment: str = "", message_id: str = "<outlook-1@EXCH01.example.org>",
            sender: str | None = None, method: str = "REPLY", proposed: datetime | None = None,
            others: tuple[str, ...] = ()) -> bytes:
    """Exchange/Outlook: multipart/alternative (QP text and HTML, base64 text/calendar), no ORGANIZER, upper-case
    MAILTO:, a localised "Accepted:" SUMMARY, a Windows time-zone name, X-MICROSOFT-CDO-* properties. Its
    COUNTER ("Propose new time") lists every attendee."""
    start = proposed or datetime(2026, 3, 9, 10, 0)
    word = {"ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Tentative"}.get(partstat, "New Time Proposed")
    attendees = [f"ATTENDEE;PARTSTAT={partstat};CN={name}:MAILTO:{email.upper()}"]
    attendees += [f"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN='{other}':MAILTO:{other}" for other in others]
    calendar = _ics([
        f"METHOD:{method}", "PRODID:Microsoft Exchange Server 2010", "VERSION:2.0",
        "BEGIN:VTIMEZONE", "TZID:GMT Standard Time",
        "BEGIN:STANDARD", "DTSTART:16010101T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0000",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10", "END:STANDARD",
        "BEGIN:DAYLIGHT", "DTSTART:16010101T010000", "TZOFFSETFROM:+0000", "TZOFFSETTO:+0100",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3", "END:DAYLIGHT", "END:VTIMEZONE",
        "BEGIN:VEVENT", *attendees,
        *([f"COMMENT;LANGUAGE=en-GB:{comment}"] if comment else []),
        f"UID:{uid}", f"SUMMARY;LANGUAGE=en-GB:{word}: Multi-agency meeting: case CIN-0001",
        f"DTSTART;TZID=GMT Standard Time:{start:%Y%m%dT%H%M%S}",
        f"DTEND;TZID=GMT Standard Time:{start + timedelta(hours=1):%Y%m%dT%H%M%S}",
        "CLASS:PUBLIC", "PRIORITY:5", f"DTSTAMP:{_stamp(stamp)}", "TRANSP:OPAQUE", "STATUS:CONFIRMED",
        f"SEQUENCE:{sequence}", f"X-MICROSOFT-CDO-APPT-SEQUENCE:{sequence}", "X-MICROSOFT-CDO-OWNERAPPTID:0",
        "X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY",
        "X-MICROSOFT-CDO-ALLDAYEVENT:FALSE", "X-MICROSOFT-CDO-IMPORTANCE:1", "X-MICROSOFT-CDO-INSTTYPE:0",
        "X-MICROSOFT-DONOTFORWARDMEETING:FALSE", "X-MICROSOFT-DISALLOW-COUNTER:FALSE",
        "END:VEVENT", "END:VCALENDAR"], CRLF)
    calendar = b"BEGIN:VCALENDAR\r\n" + calendar
    text = quopri.encodestring(f"{comment or word}\r\n".encode("iso-8859-1", "replace")).decode()
    b64 = base64.encodebytes(calendar).decode().replace("\n", CRLF)
    return CRLF.join([
        f"From: {name} <{sender or email.upper()}>",  # Outlook keeps the directory's case
        "To: Child in Need meetings <meetings@localhost>",
        f"Subject: {word}: Multi-agency meeting: case CIN-0001", "Thread-Topic: Multi-agency meeting",
        "Date: Mon, 2 Mar 2026 09:00:00 +0000", f"Message-ID: {message_id}", "Content-Language: en-GB",
        "X-MS-Has-Attach:", "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="_000_EXCH01_"', "",
        "--_000_EXCH01_", 'Content-Type: text/plain; charset="iso-8859-1"',
        "Content-Transfer-Encoding: quoted-printable", "", text,
        "--_000_EXCH01_", 'Content-Type: text/html; charset="iso-8859-1"',
        "Content-Transfer-Encoding: quoted-printable", "", f"<html><body><p>{word}</p></body></html>",
        "--_000_EXCH01_", f'Content-Type: text/calendar; charset="utf-8"; method={method}',
        "Content-Transfer-Encoding: base64", "", b64,
        "--_000_EXCH01_--", ""]).encode("ascii")


def google(uid: str, email: str, name: str, partstat: str = "ACCEPTED", *, sequence: int = 0,
           stamp: datetime, comment: str = "", message_id: str = "<0000000000001a2b3c@google.com>",
           sender: str | None = None) -> bytes:
    """Google Calendar: multipart/mixed with multipart/alternative (7bit text/calendar) and an invite.ics
    attachment (base64); ORGANIZER echoed, times in UTC, CUTYPE/ROLE/X-NUM-GUESTS on the attendee and the note as
    an X-RESPONSE-COMMENT parameter."""
    note = f';X-RESPONSE-COMMENT="{comment}"' if comment else ""
    calendar = _ics([
        "BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
        "CALSCALE:GREGORIAN", "METHOD:REPLY", "BEGIN:VEVENT",
        "DTSTART:20260309T100000Z", "DTEND:20260309T110000Z", f"DTSTAMP:{_stamp(stamp)}",
        "ORGANIZER;CN=Child in Need meetings:mailto:meetings@localhost", f"UID:{uid}",
        f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN={name};X-NUM-GUESTS=0{note}:"
        f"mailto:{email}",
        "X-MICROSOFT-CDO-OWNERAPPTID:-1868236117", "CREATED:20260302T090000Z",
        "DESCRIPTION:Multi-agency meeting: case CIN-0001.", "LAST-MODIFIED:20260302T090500Z",
        "LOCATION:Civic Centre", f"SEQUENCE:{sequence}", "STATUS:CONFIRMED",
        "SUMMARY:Multi-agency meeting: case CIN-0001", "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR"], CRLF)
    b64 = base64.encodebytes(calendar).decode().replace("\n", CRLF)
    word = {"ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Tentatively Accepted"}.get(partstat, "Delegated")
    return CRLF.join([
        "MIME-Version: 1.0", "Date: Mon, 02 Mar 2026 09:05:00 +0000", f"Message-ID: {message_id}",
        f"Subject: Invitation: {word}: Multi-agency meeting: case CIN-0001 @ Mon 9 Mar 2026 10am - 11am (GMT)",
        f"From: {name} <{sender or email}>", "To: meetings@localhost",
        'Content-Type: multipart/mixed; boundary="000000000000abcdef"', "",
        "--000000000000abcdef", 'Content-Type: multipart/alternative; boundary="000000000000fedcba"', "",
        "--000000000000fedcba", 'Content-Type: text/plain; charset="UTF-8"', "",
        f"{name} has {word.lower()} this invitation.", "",
        "--000000000000fedcba", 'Content-Type: text/html; charset="UTF-8"', "",
        f"<p>{name} has {word.lower()} this invitation.</p>", "",
        "--000000000000fedcba", 'Content-Type: text/calendar; charset="UTF-8"; method=REPLY',
        "Content-Transfer-Encoding: 7bit", "", calendar.decode(), "--000000000000fedcba--",
        "--000000000000abcdef", 'Content-Type: application/ics; name="invite.ics"',
        'Content-Disposition: attachment; filename="invite.ics"', "Content-Transfer-Encoding: base64", "",
        b64, "--000000000000abcdef--", ""]).encode("utf-8")


def thunderbird(uid: str, email: str, name: str, partstat: str = "ACCEPTED", *, sequence: int | None = None,
                stamp: datetime, comment: str = "", message_id: str = "<f00dfeed-1@example.org>",
                sender: str | None = None) -> bytes:
    """Thunderbird: LF-only lines everywhere, 8bit UTF-8, an IANA zone with its VTIMEZONE, no SEQUENCE when
    the invitation had 0, ORGANIZER with the attendee also listed as in its REQUESTs, and an invite.ics copy."""
    calendar = _ics([
        "BEGIN:VCALENDAR", "PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN", "VERSION:2.0",
        "METHOD:REPLY", "BEGIN:VTIMEZONE", "TZID:Europe/London", "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0000",
        "TZOFFSETTO:+0100", "TZNAME:BST", "DTSTART:19700329T010000", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
        "END:DAYLIGHT", "BEGIN:STANDARD", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0000", "TZNAME:GMT",
        "DTSTART:19701025T020000", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "END:STANDARD", "END:VTIMEZONE",
        "BEGIN:VEVENT", "CREATED:20260302T090000Z", "LAST-MODIFIED:20260302T090600Z", f"DTSTAMP:{_stamp(stamp)}",
        f"UID:{uid}", "SUMMARY:Multi-agency meeting: case CIN-0001",
        "ORGANIZER;CN=Child in Need meetings:mailto:meetings@localhost",
        f"ATTENDEE;RSVP=TRUE;CN={name};PARTSTAT={partstat};ROLE=REQ-PARTICIPANT:mailto:{email}",
        *([f"SEQUENCE:{sequence}"] if sequence is not None else []),
        *([f"COMMENT:{comment}"] if comment else []),
        "DTSTART;TZID=Europe/London:20260309T100000", "DTEND;TZID=Europe/London:20260309T110000",
        "LOCATION:Civic Centre", "END:VEVENT", "END:VCALENDAR"], "\n").replace(b"\r\n", b"\n")
    return ("\n".join([
        f"From: {name} <{sender or email}>", "To: Child in Need meetings <meetings@localhost>",
        f"Message-ID: {message_id}", "Date: Mon, 2 Mar 2026 09:06:00 +0000",
        "User-Agent: Mozilla Thunderbird", "MIME-Version: 1.0",
        f"Subject: {'Accepted' if partstat == 'ACCEPTED' else 'Tentatively accepted' if partstat == 'TENTATIVE' else 'Declined'}: "
        "Multi-agency meeting: case CIN-0001",
        'Content-Type: multipart/mixed; boundary="------------tb0123"', "",
        "This is a multi-part message in MIME format.", "--------------tb0123",
        'Content-Type: multipart/alternative; boundary="------------tb4567"', "", "--------------tb4567",
        "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: 8bit", "",
        f"{name} has answered the invitation.", "", "--------------tb4567",
        "Content-Type: text/calendar; method=REPLY; charset=UTF-8", "Content-Transfer-Encoding: 8bit", "", "",
        ]).encode() + calendar + "\n".join([
        "--------------tb4567--", "--------------tb0123",
        'Content-Type: application/ics; name="invite.ics"', 'Content-Disposition: attachment; filename="invite.ics"',
        "Content-Transfer-Encoding: base64", "", base64.encodebytes(calendar).decode(),
        "--------------tb0123--", ""]).encode()).replace(b"\r\n", b"\n")


def wrap(ics: bytes, *, sender: str, message_id: str) -> bytes:
    """A capture's calendar object as Exchange sends it: base64 text/calendar inside multipart/alternative."""
    b64 = base64.encodebytes(ics).decode().replace("\n", CRLF)
    return CRLF.join([
        f"From: {sender}", "To: meetings@localhost", "Subject: Abgelehnt: Einladung: Test 6",
        f"Message-ID: {message_id}", "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="_000_capture_"', "",
        "--_000_capture_", 'Content-Type: text/plain; charset="iso-8859-1"', "", "no, sorry",
        "--_000_capture_", 'Content-Type: text/calendar; charset="utf-8"; method=REPLY',
        "Content-Transfer-Encoding: base64", "", b64, "--_000_capture_--", ""]).encode("ascii")
