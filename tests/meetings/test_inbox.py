"""Calendar replies taken in from Outlook/Exchange, Google Calendar and Thunderbird (and the real Exchange
capture): recorded on the invitee with the comment, the time it came and the message; everything that must not
change an answer (stale, duplicate, forged, unknown, malformed) changes nothing and is listed with its reason."""
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select

from tests.helpers import csrf_token, sign_in
from tests.meetings import clients
from tests.meetings.test_links import NOW, convened_meeting
from webapp.audit.models import AuditEvent
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.demo import DEMO_PASSWORD
from webapp.errors import PermissionDenied
from webapp.mail.models import OutboxMessage
from webapp.meetings import inbox, services
from webapp.meetings.services import configured_mailing
from webapp.meetings.models import CalendarReply, Invitee, Meeting

FIXTURES = Path(__file__).parent / "fixtures"
CLIENTS = {"outlook": clients.outlook, "google": clients.google, "thunderbird": clients.thunderbird}


@pytest.fixture
def meeting(app, partnership, clock):
    return convened_meeting(partnership)


def someone(meeting) -> Invitee:
    return next(i for i in meeting.current_invitees if i.kind == "staff" and i.role != "chair")


def take(raw: bytes, now=NOW + timedelta(hours=1)) -> list[CalendarReply]:
    return inbox.ingest_message(raw, via="file", now=now)


@pytest.mark.parametrize("client_name", CLIENTS)
@pytest.mark.parametrize("partstat, answer", [("ACCEPTED", "accepted"), ("DECLINED", "declined"),
                                              ("TENTATIVE", "tentative")])
def test_each_client_s_reply_is_recorded_with_its_comment_time_and_message(partnership, meeting, client_name,
                                                                           partstat, answer):
    invitee = someone(meeting)
    raw = CLIENTS[client_name](meeting.uid, invitee.email.upper(), invitee.name, partstat, stamp=NOW,
                               comment="Clinic until 10, then I’ll join")
    row, = take(raw)
    assert (row.outcome, row.reason, row.invitee_id, row.meeting_id) == ("recorded", None, invitee.id, meeting.id)
    assert row.raw == raw and row.message_id.startswith("<") and row.via == "file"
    assert (invitee.answer, invitee.answer_comment, invitee.answer_via) == (answer, "Clinic until 10, then I’ll join",
                                                                            "calendar")
    assert invitee.answered_at == NOW + timedelta(hours=1) and invitee.answer_stamp == NOW
    event = partnership.scalar(select(AuditEvent).where(AuditEvent.action == "meeting.answered")
                               .order_by(AuditEvent.id.desc()))
    assert event.subject_id == meeting.case_id and event.detail["calendar_reply_id"] == row.id


def test_the_real_exchange_capture_is_recorded_unchanged(partnership, meeting):
    """The capture's bytes as Exchange wrote them: no ORGANIZER, MAILTO: upper case, a folded ATTENDEE, a German
    SUMMARY and COMMENT, a 1601 VTIMEZONE; the meeting carries its UID and invites its attendee."""
    meeting.uid = "abcfacd3-4db3-4c42-bcf5-0c17752c65fb"
    meeting.invitees.append(Invitee(name="Alex Example", email="alex.example@example.org", kind="other"))
    partnership.flush()
    ics = (FIXTURES / "exchange2016_reply_declined.ics").read_bytes()
    row, = take(clients.wrap(ics, sender="Alex Example <Alex.Example@example.org>", message_id="<cap@ex>"))
    alex = meeting.invitees[-1]
    assert row.outcome == "recorded" and (alex.answer, alex.answer_comment) == ("declined", "no, sorry")
    assert alex.answer_stamp == datetime(2025, 3, 10, 21, 17, 31, tzinfo=timezone.utc)


def unmatched(raw, now=NOW + timedelta(hours=1)) -> str:
    row, = take(raw, now)
    assert row.outcome == "unmatched" and row.raw == raw
    return row.reason


def test_an_older_reply_never_overwrites_a_newer_answer_and_duplicates_change_nothing(partnership, meeting):
    invitee = someone(meeting)
    take(clients.google(meeting.uid, invitee.email, invitee.name, "DECLINED", stamp=NOW, message_id="<g2@google>"))
    older = clients.outlook(meeting.uid, invitee.email, invitee.name, "ACCEPTED", stamp=NOW - timedelta(minutes=5),
                            message_id="<o1@exch>")
    assert unmatched(older) == "it is older than the answer already recorded"
    same_stamp = clients.thunderbird(meeting.uid, invitee.email, invitee.name, "ACCEPTED", stamp=NOW,
                                     message_id="<t3@tb>")
    assert unmatched(same_stamp) == "the same reply (same DTSTAMP) was recorded already"
    again = clients.google(meeting.uid, invitee.email, invitee.name, "ACCEPTED", stamp=NOW + timedelta(minutes=9),
                           message_id="<g2@google>")
    assert unmatched(again) == "this message was received already (same Message-ID)"
    assert invitee.answer == "declined"
    newer = clients.outlook(meeting.uid, invitee.email, invitee.name, "ACCEPTED", stamp=NOW + timedelta(minutes=1),
                            message_id="<o4@exch>")
    assert take(newer)[0].outcome == "recorded" and invitee.answer == "accepted"


def test_a_reply_to_an_earlier_version_is_stale_and_one_to_a_later_version_is_refused(partnership, meeting, clock):
    invitee = someone(meeting)
    sw1 = partnership.scalar(select(User).where(User.username == "sw1"))
    services.reschedule(sw1, meeting.id, starts_at=NOW + timedelta(days=8), ends_at=NOW + timedelta(days=8, hours=1),
                        location="Civic Centre", mailing=configured_mailing(), origin=NO_ORIGIN, now=NOW)
    assert invitee.sent_sequence == 1
    stale = clients.outlook(meeting.uid, invitee.email, invitee.name, stamp=NOW + timedelta(minutes=1), sequence=0)
    assert "answers version 0 of the invitation; the meeting has changed since (version 1)" in unmatched(stale)
    forged = clients.google(meeting.uid, invitee.email, invitee.name, stamp=NOW + timedelta(minutes=2), sequence=5)
    assert "version 5 of the invitation, which was never sent to them" in unmatched(forged)
    assert invitee.answer == "needs_action"
    current = clients.google(meeting.uid, invitee.email, invitee.name, stamp=NOW + timedelta(minutes=3), sequence=1,
                             message_id="<g-current@google>")
    assert take(current)[0].outcome == "recorded" and invitee.answer == "accepted"


def test_forged_unknown_and_uninvited_replies_change_nothing(partnership, meeting):
    invitee = someone(meeting)
    forged = clients.outlook(meeting.uid, invitee.email, invitee.name, stamp=NOW, sender="mallory@example.net")
    assert unmatched(forged) == f"it answers for {invitee.email} but was sent by mallory@example.net"
    unsigned = clients.google(meeting.uid, invitee.email, invitee.name, stamp=NOW, message_id="<unsigned@google>")
    unsigned = unsigned.replace(f"From: {invitee.name} <{invitee.email}>\r\n".encode(), b"")
    assert unmatched(unsigned) == f"it answers for {invitee.email} but was sent by an unnamed sender"
    stranger = clients.google(meeting.uid, "stranger@example.net", "Stranger", stamp=NOW)
    assert unmatched(stranger) == "stranger@example.net is not invited to this meeting"
    unknown = clients.thunderbird("no-such-meeting@elsewhere", invitee.email, invitee.name, stamp=NOW)
    assert unmatched(unknown) == "no meeting has this calendar UID"
    delegated = clients.google(meeting.uid, invitee.email, invitee.name, "DELEGATED", stamp=NOW,
                               message_id="<delegated@google>")
    assert unmatched(delegated).startswith("PARTSTAT DELEGATED is not an answer we record")
    assert invitee.answer == "needs_action"


def test_replies_for_a_removed_invitee_a_cancelled_or_a_past_meeting_change_nothing(partnership, meeting):
    sw1 = partnership.scalar(select(User).where(User.username == "sw1"))
    first, second = [i for i in meeting.current_invitees if i.kind == "staff"][:2]
    services.remove_invitee(sw1, meeting.id, first.id, mailing=configured_mailing(), origin=NO_ORIGIN, now=NOW)
    assert unmatched(clients.google(meeting.uid, first.email, first.name, stamp=NOW)) == \
        f"{first.email} is no longer invited to this meeting"
    late = clients.google(meeting.uid, second.email, second.name, stamp=NOW, message_id="<late@google>")
    assert unmatched(late, now=meeting.ends_at + timedelta(minutes=1)) == "the meeting has taken place"
    services.cancel(sw1, meeting.id, mailing=configured_mailing(), origin=NO_ORIGIN, now=NOW)
    cancelled = clients.outlook(meeting.uid, second.email, second.name, stamp=NOW, sequence=0)
    assert unmatched(cancelled) == "the meeting was cancelled"
    assert second.answer == "needs_action"


@pytest.mark.parametrize("raw, reason", [
    (b"From: gp1@example.org\r\nMessage-ID: <plain@x>\r\nSubject: Re: meeting\r\n\r\nI'll be there.\r\n",
     "the message has no calendar part"),
    (b"From: gp1@example.org\r\nContent-Type: text/calendar; method=REPLY\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REPLY\r\n"
     b"BEGIN:VEVENT\r\nUID:x\r\nEND:VCALENDAR\r\n", "the calendar part cannot be read"),
    (b"From: gp1@example.org\r\nContent-Type: text/calendar; method=REPLY\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REPLY\r\n"
     b"BEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:yesterday\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:gp1@example.org\r\n"
     b"END:VEVENT\r\nEND:VCALENDAR\r\n", "the REPLY cannot be read: Expected datetime"),
    (b"From: gp1@example.org\r\nContent-Type: text/calendar; method=REPLY\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REPLY\r\n"
     b"BEGIN:VEVENT\r\nUID:x\r\nATTENDEE;PARTSTAT=\"ACC:mailto:gp1@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
     "the REPLY cannot be read: Content line could not be parsed"),
    (b"From: gp1@example.org\r\nContent-Type: text/calendar; method=REPLY\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REPLY\r\n"
     b"BEGIN:VEVENT\r\nUID:x\r\nSEQUENCE:two\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:gp1@example.org\r\nEND:VEVENT\r\n"
     b"END:VCALENDAR\r\n", "the REPLY cannot be read"),
    (b"\xff\xfe\x00garbage\x00\r\n\r\n\x80\x81", "the message has no calendar part"),
])
def test_malformed_messages_are_kept_with_the_reason(partnership, raw, reason):
    assert unmatched(raw).startswith(reason)


def test_a_proposed_new_time_waits_for_the_convenor_who_declines_or_moves_the_meeting(partnership, meeting, client):
    invitee = someone(meeting)
    others = tuple(i.email for i in meeting.current_invitees if i is not invitee)
    proposal = clients.outlook(meeting.uid, invitee.email, invitee.name, "TENTATIVE", stamp=NOW, method="COUNTER",
                               proposed=datetime(2026, 3, 10, 14, 0), others=others, comment="Clinic that morning")
    row, = take(proposal)
    assert row.outcome == "counter" and row.proposed_starts_at == datetime(2026, 3, 10, 14, 0, tzinfo=timezone.utc)
    assert invitee.answer == "needs_action"  # a proposal is not an answer
    partnership.commit()

    sign_in(client, "sw1", DEMO_PASSWORD)
    page = client.get(f"/meetings/{meeting.id}")
    assert "Proposed new times" in page.text and "Clinic that morning" in page.text
    declined = client.post(f"/meetings/{meeting.id}/proposals/{row.id}/decline",
                           data={"csrf_token": csrf_token(page.text)})
    assert declined.status_code == 302
    partnership.expire_all()
    assert partnership.get(CalendarReply, row.id).outcome == "counter_declined"
    sent = partnership.scalars(select(OutboxMessage).where(OutboxMessage.kind == "meeting_declinecounter")).one()
    assert sent.to_address == invitee.email
    message = message_from_bytes(sent.raw_mime.encode(), policy=policy.default)
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(part.get_content())
    event, = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == part.get_param("method") == "DECLINECOUNTER"
    assert str(event["UID"]) == meeting.uid and int(event["SEQUENCE"]) == 0
    assert [str(a).lower() for a in event.attendees] == [f"mailto:{invitee.email}"]
    again = client.post(f"/meetings/{meeting.id}/proposals/{row.id}/accept", data={"csrf_token": csrf_token(page.text)})
    assert again.status_code == 409  # dealt with already: nothing moves

    second, = take(clients.outlook(meeting.uid, invitee.email, invitee.name, "TENTATIVE", stamp=NOW + timedelta(1),
                                   method="COUNTER", proposed=datetime(2026, 3, 11, 9, 30), message_id="<c2@exch>"))
    partnership.commit()
    moved = client.post(f"/meetings/{meeting.id}/proposals/{second.id}/accept",
                        data={"csrf_token": csrf_token(client.get(f"/meetings/{meeting.id}").text)})
    assert moved.status_code == 302
    partnership.expire_all()
    meeting = partnership.get(Meeting, meeting.id)
    assert meeting.starts_at == datetime(2026, 3, 11, 9, 30, tzinfo=timezone.utc) and meeting.sequence == 1
    assert partnership.get(CalendarReply, second.id).outcome == "counter_accepted"
    updates = partnership.scalars(select(OutboxMessage).where(OutboxMessage.kind == "meeting_request",
                                                              OutboxMessage.subject.like("Updated%"))).all()
    assert {m.to_address for m in updates} == {i.email for i in meeting.current_invitees}


def test_a_proposal_is_dealt_with_by_the_convenor_only(partnership, meeting):
    invitee = someone(meeting)
    row, = take(clients.outlook(meeting.uid, invitee.email, invitee.name, "TENTATIVE", stamp=NOW, method="COUNTER",
                                proposed=datetime(2026, 3, 10, 14, 0)))
    sm1 = partnership.scalar(select(User).where(User.username == "sm1"))
    with pytest.raises(PermissionDenied):
        inbox.decline_proposal(sm1, meeting.id, row.id, mailing=configured_mailing(), origin=NO_ORIGIN, now=NOW)
    assert row.outcome == "counter"


def test_the_unmatched_page_lists_each_reason_for_administrators_only(partnership, meeting, client):
    invitee = someone(meeting)
    take(clients.outlook(meeting.uid, invitee.email, invitee.name, stamp=NOW, sender="mallory@example.net"))
    take(b"From: someone@example.org\r\nSubject: hello\r\n\r\nNo calendar\r\n")
    take(clients.google("no-such-meeting@elsewhere", invitee.email, invitee.name, stamp=NOW))
    partnership.commit()
    for username, status in (("sw1", 403), ("admin", 200)):
        sign_in(client, username, DEMO_PASSWORD)
        page = client.get("/admin/calendar-replies")
        assert page.status_code == status
        client.post("/sign-out", data={"csrf_token": csrf_token(client.get("/").text)})
    for reason in (f"it answers for {invitee.email} but was sent by mallory@example.net",
                   "the message has no calendar part", "no meeting has this calendar UID"):
        assert reason in page.text
    assert meeting.case.child.given_names not in page.text


def minimal_reply(uid: str, attendee: str, sender: str, message_id: str) -> bytes:
    """A REPLY as Apple Calendar (iCloud) and shared-mailbox delegates write the ATTENDEE line."""
    return (f"From: {sender}\r\nMessage-ID: {message_id}\r\nContent-Type: text/calendar; method=REPLY\r\n\r\n"
            f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//CALENDARSERVER.ORG//NONSGML Version 1//EN\r\n"
            f"METHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260302T093000Z\r\n{attendee}\r\n"
            f"END:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def test_an_icloud_relay_address_and_a_sent_by_delegate_are_matched(partnership, meeting):
    chair, worker = [i for i in meeting.current_invitees if i.kind == "staff"][:2]
    icloud = minimal_reply(meeting.uid, f"ATTENDEE;CN=Demo;EMAIL={worker.email.upper()};PARTSTAT=TENTATIVE:"
                                        "mailto:2_ABCDEF@imip.me.com", worker.email, "<icloud@me.com>")
    assert take(icloud)[0].outcome == "recorded" and worker.answer == "tentative"
    delegate = minimal_reply(meeting.uid, 'ATTENDEE;SENT-BY="mailto:office@example.org";PARTSTAT=DECLINED:'
                                          f"mailto:{chair.email}", "office@example.org", "<office@example.org>")
    assert take(delegate)[0].outcome == "recorded" and chair.answer == "declined"


def test_a_change_others_were_not_sent_leaves_their_replies_current(partnership, meeting):
    """Removing or adding one person raises the meeting's SEQUENCE, but the others still hold the version they
    were sent, and their replies to it count."""
    sw1 = partnership.scalar(select(User).where(User.username == "sw1"))
    chair, worker = [i for i in meeting.current_invitees if i.kind == "staff"][:2]
    services.remove_invitee(sw1, meeting.id, chair.id, mailing=configured_mailing(), origin=NO_ORIGIN, now=NOW)
    assert meeting.sequence == 1 and worker.sent_sequence == 0
    assert take(clients.outlook(meeting.uid, worker.email, worker.name, stamp=NOW))[0].outcome == "recorded"
