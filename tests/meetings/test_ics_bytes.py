"""Every text/calendar part the service mails keeps icalendar's own bytes: CRLF line breaks and folding at 75
octets (RFC 5545 3.1), whatever its transfer encoding, for invitees whose names are not ASCII (Siân, Zoë): in
the outbox as queued, as the worker builds it for sending, and as a real SMTP server receives it."""
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, message_from_string, policy

import pytest
from icalendar import Calendar
from sqlalchemy import select

from tests.cases.builders import open_case, open_task, referral_answers, start_assessment
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.config import MailSettings
from webapp.mail.delivery import build_email
from webapp.mail.models import OutboxMessage
from webapp.meetings import services
from webapp.meetings.services import configured_mailing
from webapp.meetings.itip import Invitation, invitation_email
from webapp.worker import send_due_mail

SIAN = services.Someone("Siân Ap-Rhys", "sian@example.org")
ZOE = services.Someone("Zoë Ní Bhriain-Łukasiewicz", "zoe@example.org")


def calendar_bytes(message) -> list[tuple[str, bytes]]:
    """(content type, bytes decoded from the transfer encoding) of each calendar part of a message."""
    return [(part.get_content_type(), part.get_payload(decode=True)) for part in message.walk()
            if part.get_content_type() in {"text/calendar", "application/ics"}]


def assert_rfc5545_lines(raw: bytes) -> Calendar:
    """Only CRLF line breaks, none over 75 octets, and icalendar reads it back."""
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    bare = [line for line in lines if b"\n" in line or b"\r" in line]
    assert not bare, f"line breaks other than CRLF: {bare[:3]}"
    long = [line for line in lines if len(line) > 75]
    assert not long, f"lines over 75 octets: {long[:3]}"
    return Calendar.from_ical(raw)


def the_one_calendar(message, method: str) -> Calendar:
    """The text/calendar part and the invite.ics copy: the same bytes, read back with the right method."""
    parts = calendar_bytes(message)
    assert [kind for kind, _ in parts] == ["text/calendar", "application/ics"]
    (_, inline), (_, attached) = parts
    assert inline == attached
    calendar = assert_rfc5545_lines(inline)
    calendar_part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert calendar_part.get_param("method") == method == str(calendar["METHOD"])
    assert calendar_part.get_content_charset() == "utf-8"
    return calendar


@pytest.fixture
def meeting_with_accents(partnership_committed, clock):
    """Siân is invited when the meeting is convened and Zoë later; the meeting moves, Zoë is taken off the
    list, then the meeting is cancelled: every kind of calendar message the service sends to someone."""
    session = partnership_committed
    sw1, tm1 = (session.scalar(select(User).where(User.username == name)) for name in ("sw1", "tm1"))
    case = open_case(sw1, referral_answers())
    start_assessment(case, sw1, tm1)
    now = datetime.now(timezone.utc)
    mailing = configured_mailing()
    starts_at = datetime(2026, 3, 11, 16, 0, tzinfo=timezone.utc)
    meeting = services.convene(sw1, case.id, open_task(case, "convene_by_day_20").task_id, starts_at=starts_at,
                               ends_at=starts_at + timedelta(hours=1), location="Civic Centre, Room 2",
                               chosen=[c.key for c in services.candidates(sw1, case.id)], roles={}, someone=SIAN,
                               mailing=mailing, origin=NO_ORIGIN, now=now)
    session.commit()
    zoe = services.add_invitee(sw1, meeting.id, key="other", role="optional", someone=ZOE, mailing=mailing,
                               origin=NO_ORIGIN, now=now)
    session.commit()
    services.reschedule(sw1, meeting.id, starts_at=starts_at + timedelta(days=1),
                        ends_at=starts_at + timedelta(days=1, hours=1), location="Civic Centre, Room 3",
                        mailing=mailing, origin=NO_ORIGIN, now=now)
    session.commit()
    services.remove_invitee(sw1, meeting.id, zoe.id, mailing=mailing, origin=NO_ORIGIN, now=now)
    session.commit()
    services.cancel(sw1, meeting.id, mailing=mailing, origin=NO_ORIGIN, now=now)
    session.commit()
    return meeting


EXPECTED = {  # (kind, SEQUENCE) of each person's messages, in order
    SIAN.email: [("meeting_request", 0), ("meeting_request", 1), ("meeting_cancel", 3)],
    ZOE.email: [("meeting_request", 0), ("meeting_request", 1), ("meeting_cancel", 2)],
}


def test_queued_invitations_updates_and_cancellations_keep_crlf(partnership_committed, meeting_with_accents):
    settings = MailSettings(sender="meetings@cin.example")
    for address, expected in EXPECTED.items():
        rows = partnership_committed.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address)
                                             .order_by(OutboxMessage.id)).all()
        seen = []
        for row in rows:
            method = row.kind.removeprefix("meeting_").upper()
            stored = the_one_calendar(message_from_string(row.raw_mime, policy=policy.default), method)
            built = the_one_calendar(build_email(row, settings), method)  # what the worker hands to SMTP
            assert stored.to_ical() == built.to_ical()
            event, = built.walk("VEVENT")
            attendee = event["ATTENDEE"]
            assert str(attendee).lower() == f"mailto:{address}"
            assert attendee.params["CN"] in {SIAN.name, ZOE.name}  # the accents survive, unmangled
            seen.append((row.kind, int(event["SEQUENCE"])))
        assert seen == expected


def test_the_smtp_server_receives_crlf_calendar_parts(partnership_committed, meeting_with_accents, smtp_server):
    settings = MailSettings(host=smtp_server.host, port=smtp_server.port, sender="meetings@cin.example")
    assert send_due_mail(settings) > 0
    received = {}
    for envelope in smtp_server.envelopes:
        message = message_from_bytes(envelope.content, policy=policy.SMTP)
        received.setdefault(envelope.rcpt_tos[0], []).append(message)
    for address, expected in EXPECTED.items():
        seen = []
        for message in received[address]:
            method = "CANCEL" if message["Subject"].startswith("Cancelled") else "REQUEST"
            event, = the_one_calendar(message, method).walk("VEVENT")
            seen.append(int(event["SEQUENCE"]))
            assert event["ATTENDEE"].params["CN"] in {SIAN.name, ZOE.name}
        assert seen == [sequence for _, sequence in expected]


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL", "DECLINECOUNTER"])
def test_every_method_keeps_crlf_with_long_accented_lines(method):
    """Long values made of two-octet letters fold at 75 octets between characters, never inside one."""
    invitation = Invitation(uid="meeting-9@cin-workflow.local", sequence=4,
                            starts_at=datetime(2026, 3, 30, 9, 30, tzinfo=timezone.utc),
                            ends_at=datetime(2026, 3, 30, 10, 30, tzinfo=timezone.utc),
                            summary="Multi-agency meeting: case CIN-000009", location="Salle Zoë " + "é" * 80,
                            organizer_email="meetings@cin.example", organizer_name="CIN meetings",
                            attendee_email="sian@example.org", attendee_name="Siân " + "ŵ" * 60,
                            description="Café " * 40, stamp=datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc))
    message = invitation_email(invitation, method, sender="meetings@cin.example", subject="Meeting: case CIN-000009",
                               text="Dear Siân,", html="<p>Dear Siân,</p>", message_id="<m9@cin>",
                               comment="Zoë proposed a new time." if method == "DECLINECOUNTER" else "")
    for message in (message, message_from_bytes(message.as_bytes(policy=policy.SMTP), policy=policy.SMTP)):
        event, = the_one_calendar(message, method).walk("VEVENT")
        assert event["ATTENDEE"].params["CN"] == "Siân " + "ŵ" * 60
        if method != "DECLINECOUNTER":
            assert str(event["LOCATION"]) == "Salle Zoë " + "é" * 80
