"""Calendar replies as real clients write them (captures in fixtures/, see its README) are read correctly."""
import base64
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

import pytest

from webapp.meetings.replies import UnreadableReply, read_answers

FIXTURES = Path(__file__).parent / "fixtures"


def mail_with(ics: bytes, how: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "alex.example@example.org", "meetings@cin.example", "Abgelehnt"
    message.set_content("Declined")
    if how == "text/calendar":
        message.add_alternative(ics, maintype="text", subtype="calendar", params={"method": "REPLY"})
    elif how == "application/ics":
        message.add_attachment(ics, maintype="application", subtype="ics", filename="reply.ics")
    else:  # an octet-stream attachment that only its name says is a calendar
        message.add_attachment(ics, maintype="application", subtype="octet-stream", filename="invite.ics")
    return message.as_bytes()


@pytest.mark.parametrize("how", ["text/calendar", "application/ics", "octet-stream"])
def test_exchange_2016_decline_without_organizer_and_with_upper_case_mailto(how):
    answer, = read_answers(mail_with((FIXTURES / "exchange2016_reply_declined.ics").read_bytes(), how))
    assert answer.method == "REPLY" and answer.partstat == "DECLINED"
    assert answer.uid == "abcfacd3-4db3-4c42-bcf5-0c17752c65fb"
    assert answer.attendee == "alex.example@example.org"  # folded across two lines, MAILTO: upper case
    assert answer.sequence == 0 and answer.comment == "no, sorry\n"
    assert answer.dtstamp == datetime(2025, 3, 10, 21, 17, 31, tzinfo=timezone.utc)


def test_thunderbird_request_with_lf_line_endings_is_read_and_is_not_a_reply():
    with pytest.raises(UnreadableReply, match="METHOD:REQUEST is not an answer"):
        read_answers(mail_with((FIXTURES / "thunderbird_request.ics").read_bytes(), "text/calendar"))


def test_utf8_split_by_folding_and_a_missing_sequence():
    reply = ("BEGIN:VCALENDAR\nVERSION:2.0\nMETHOD:REPLY\nBEGIN:VEVENT\nUID:m-1@cin\nDTSTAMP:20260320T120000Z\n"
             "ATTENDEE;PARTSTAT=TENTATIVE;CN=Zoë:mailto:ZOE@Example.ORG\n").encode()
    comment = "COMMENT:Je serai peut-être là".encode()
    split = comment.index("ê".encode()) + 1  # fold in the middle of the two bytes of ê
    reply += comment[:split] + b"\r\n " + comment[split:] + b"\nEND:VEVENT\nEND:VCALENDAR\n"
    answer, = read_answers(mail_with(reply, "text/calendar"))
    assert answer.comment == "Je serai peut-être là" and answer.sequence == 0
    assert answer.attendee == "zoe@example.org" and answer.partstat == "TENTATIVE"


def test_base64_parts_and_duplicates_count_once():
    ics = (FIXTURES / "exchange2016_reply_declined.ics").read_bytes()
    message = EmailMessage()
    message.set_content("Declined")
    message.add_alternative(ics, maintype="text", subtype="calendar", params={"method": "REPLY"}, cte="base64")
    message.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
    assert len(read_answers(message.as_bytes())) == 1
    assert base64.b64encode(ics)[:20] in message.as_bytes()


@pytest.mark.parametrize("raw, reason", [
    (b"From: a@b\r\nSubject: hello\r\n\r\nNo calendar here\r\n", "no calendar part"),
    (mail_with(b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n", "text/calendar"), "holds no event"),
    (mail_with(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "text/calendar"),
     "METHOD:.none. is not an answer"),
    (mail_with(b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
               "text/calendar"), "a REPLY names exactly one attendee"),
    (mail_with(b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nATTENDEE:mailto:a@b.c\r\nEND:VEVENT\r\n"
               b"END:VCALENDAR\r\n", "text/calendar"), "the REPLY has no UID"),
])
def test_what_is_not_a_reply_is_explained(raw, reason):
    with pytest.raises(UnreadableReply, match=reason):
        read_answers(raw)
