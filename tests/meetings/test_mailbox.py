"""Reading the organizer mailbox over IMAP from a real dovecot on loopback: each message is taken in once, a
second run changes nothing, a message that cannot be read is kept (in the mailbox and on the unmatched list),
and one whose taking-in failed half-way is read again next time."""
import threading
import time
import uuid
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from tests.meetings import clients
from tests.meetings.conftest import PASSWORD
from tests.meetings.test_links import NOW, convened_meeting
from webapp.config import MailSettings, ReplySettings
from webapp.meetings import inbox
from webapp.meetings.mailbox import PROCESSED
from webapp.meetings.models import CalendarReply, Invitee
from webapp.worker import fetch_replies, run_pass, run_until_stopped

NOT_A_REPLY = b"From: someone@example.org\r\nMessage-ID: <not-a-reply@example.org>\r\nSubject: hi\r\n\r\nHello\r\n"


@pytest.fixture
def mailbox(imap_server):
    """An empty organizer mailbox of its own, and the settings that read it."""
    username = f"meetings-{uuid.uuid4().hex[:8]}"
    connection = imap_server.connect(username)
    connection.select("INBOX")
    settings = ReplySettings(imap_host=imap_server.host, imap_port=imap_server.port, imap_security="none",
                             imap_username=username, imap_password=PASSWORD, imap_folder="INBOX")
    yield settings, connection
    connection.logout()


@pytest.fixture
def meeting(app, partnership_committed, clock):
    return convened_meeting(partnership_committed)


def staff(meeting) -> list[Invitee]:
    return [i for i in meeting.current_invitees if i.kind == "staff"]


def flags(connection) -> list[bytes]:
    connection.noop()
    _, data = connection.uid("FETCH", "1:*", "(FLAGS)")
    return [item for item in data if item]


def rows(session) -> int:
    return session.scalar(select(func.count(CalendarReply.id)))


def test_replies_are_read_once_and_an_unreadable_message_is_kept(partnership_committed, meeting, mailbox):
    session, (settings, connection) = partnership_committed, mailbox
    chair, worker = staff(meeting)
    connection.append("INBOX", None, None, clients.outlook(meeting.uid, chair.email, chair.name, "DECLINED",
                                                           stamp=NOW, comment="On leave"))
    connection.append("INBOX", None, None, NOT_A_REPLY)
    connection.append("INBOX", None, None, clients.thunderbird(meeting.uid, worker.email, worker.name, stamp=NOW))

    assert fetch_replies(settings) == 3
    session.expire_all()
    assert (session.get(Invitee, chair.id).answer, session.get(Invitee, chair.id).answer_comment) == \
        ("declined", "On leave")
    assert session.get(Invitee, worker.id).answer == "accepted"
    kept = session.scalars(select(CalendarReply).where(CalendarReply.outcome == "unmatched")).one()
    assert kept.reason == "the message has no calendar part" and kept.raw == NOT_A_REPLY and kept.via == "imap"
    assert all(PROCESSED.encode() in line for line in flags(connection))

    assert fetch_replies(settings) == 0  # a second run reads nothing and changes nothing
    assert rows(session) == 3
    assert len(flags(connection)) == 3  # nothing deleted: the mailbox still holds every message


def test_a_message_whose_taking_in_failed_is_read_again(partnership_committed, meeting, mailbox, monkeypatch):
    session, (settings, connection) = partnership_committed, mailbox
    chair, _ = staff(meeting)
    connection.append("INBOX", None, None, clients.google(meeting.uid, chair.email, chair.name, stamp=NOW))
    real = inbox.ingest_message

    def broken(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(inbox, "ingest_message", broken)
    assert fetch_replies(settings) == 0
    assert rows(session) == 0 and PROCESSED.encode() not in flags(connection)[0]
    monkeypatch.setattr(inbox, "ingest_message", real)
    assert fetch_replies(settings) == 1
    session.expire_all()
    assert session.get(Invitee, chair.id).answer == "accepted" and rows(session) == 1


def test_the_same_message_delivered_twice_changes_nothing(partnership_committed, meeting, mailbox):
    session, (settings, connection) = partnership_committed, mailbox
    chair, _ = staff(meeting)
    reply = clients.google(meeting.uid, chair.email, chair.name, "TENTATIVE", stamp=NOW)
    connection.append("INBOX", None, None, reply)
    connection.append("INBOX", None, None, reply)
    assert fetch_replies(settings) == 2
    reasons = session.scalars(select(CalendarReply.reason).order_by(CalendarReply.id)).all()
    assert reasons == [None, "this message was received already (same Message-ID)"]


def test_the_worker_reads_the_mailbox_when_configured_and_carries_on_when_it_is_away(
        partnership_committed, meeting, mailbox, smtp_server, caplog):
    settings, connection = mailbox
    chair, _ = staff(meeting)
    mail = MailSettings(host=smtp_server.host, port=smtp_server.port)
    connection.append("INBOX", None, None, clients.outlook(meeting.uid, chair.email, chair.name, stamp=NOW))
    away = run_pass(mail, replies=replace(settings, imap_port=1))
    assert away.replies_read == 0 and away.mail_attempts == len(meeting.current_invitees)  # invitations still go
    assert "could not be opened" in caplog.text and PASSWORD not in caplog.text
    assert run_pass(mail, replies=settings).replies_read == 1


def test_the_commands_read_a_file_and_the_mailbox(app, partnership_committed, meeting, mailbox, tmp_path):
    settings, connection = mailbox
    chair, worker = staff(meeting)
    saved = tmp_path / "reply.eml"
    saved.write_bytes(clients.outlook(meeting.uid, chair.email, chair.name, stamp=NOW))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["meetings", "ingest-reply", str(saved)])
    assert result.exit_code == 0 and f"Answer recorded (REPLY from {chair.email}" in result.output
    result = runner.invoke(args=["meetings", "ingest-reply", "-"], input=NOT_A_REPLY)
    assert "Not matched (message): the message has no calendar part" in result.output

    result = runner.invoke(args=["meetings", "fetch-replies"])
    assert result.exit_code == 1 and "No organizer mailbox is configured" in result.output
    connection.append("INBOX", None, None, clients.google(meeting.uid, worker.email, worker.name, stamp=NOW))
    original = app.config["APP_SETTINGS"]
    app.config["APP_SETTINGS"] = replace(original, replies=settings)
    try:
        result = runner.invoke(args=["meetings", "fetch-replies"])
        assert result.exit_code == 0 and "1 message(s) read from INBOX." in result.output
        app.config["APP_SETTINGS"] = replace(original, replies=replace(settings, imap_password="wrong"))
        result = runner.invoke(args=["meetings", "fetch-replies"])
        assert result.exit_code == 1 and "could not be opened" in result.output and "wrong" not in result.output
    finally:
        app.config["APP_SETTINGS"] = original
    partnership_committed.expire_all()
    assert partnership_committed.get(Invitee, worker.id).answer == "accepted"


def test_the_running_worker_reads_the_mailbox_on_its_schedule(app, partnership_committed, meeting, mailbox,
                                                             smtp_server):
    settings, connection = mailbox
    chair, _ = staff(meeting)
    connection.append("INBOX", None, None, clients.outlook(meeting.uid, chair.email, chair.name, stamp=NOW))
    configured = replace(app.config["APP_SETTINGS"], replies=settings, worker_interval_seconds=1,
                         mail=MailSettings(host=smtp_server.host, port=smtp_server.port))
    stop = threading.Event()

    def work():
        with app.app_context():
            run_until_stopped(configured, stop)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    try:
        for _ in range(100):
            partnership_committed.rollback()
            if partnership_committed.scalar(select(func.count(CalendarReply.id))):
                break
            time.sleep(0.1)
    finally:
        stop.set()
        worker.join(timeout=10)
    assert partnership_committed.get(Invitee, chair.id).answer == "accepted"
