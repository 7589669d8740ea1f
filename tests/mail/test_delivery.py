"""Mail leaves through the outbox: after commit, never for a rolled-back change, retried while the server is
down, given up after the configured attempts, and sent once however many workers run."""
import threading
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes

import pytest
from sqlalchemy import func, select

from tests.conftest import free_port
from webapp.config import MailSettings
from webapp.extensions import db
from webapp.mail.models import OutboxMessage
from webapp.mail.services import queue_message
from webapp.worker import send_due_mail


@pytest.fixture
def mail_settings(smtp_server):
    return MailSettings(host=smtp_server.host, port=smtp_server.port, sender="cin@partnership.example",
                        max_attempts=3, service_url="https://cin.partnership.example")


def queue(count=1, **fields):
    return [queue_message("test", f"gp{n}@example.org", f"Notification {n}: case CIN-000001",
                          "Sign in: {service_url}/", **fields) for n in range(count)]


def test_committed_mail_goes_out_with_its_message_id_and_the_service_link(committed_db, smtp_server, mail_settings):
    row, = queue()
    message_id = row.message_id
    committed_db.commit()
    assert send_due_mail(mail_settings) == 1
    envelope, = smtp_server.envelopes
    received = message_from_bytes(envelope.content)
    assert received["Message-ID"] == message_id and received["Subject"] == "Notification 0: case CIN-000001"
    assert "Sign in: https://cin.partnership.example/" in received.get_payload()
    assert committed_db.scalar(select(OutboxMessage.sent_at)) is not None
    assert send_due_mail(mail_settings) == 0 and len(smtp_server.envelopes) == 1


def test_a_rolled_back_change_sends_nothing(committed_db, smtp_server, mail_settings):
    queue(2)
    committed_db.rollback()
    assert send_due_mail(mail_settings) == 0
    assert smtp_server.envelopes == [] and committed_db.scalar(select(func.count(OutboxMessage.id))) == 0


def test_nothing_is_lost_while_the_server_is_down(committed_db, smtp_server, mail_settings, clock):
    queue()
    committed_db.commit()
    down = replace(mail_settings, port=free_port())  # nobody listens there
    assert send_due_mail(down) == 1
    committed_db.expire_all()
    row = committed_db.scalar(select(OutboxMessage))
    assert row.sent_at is None and row.attempts == 1 and "ConnectionRefusedError" in row.last_error
    assert send_due_mail(mail_settings) == 0  # backing off: not due for a minute
    clock.shift(timedelta(minutes=1, seconds=1))
    assert send_due_mail(mail_settings) == 1
    assert len(smtp_server.envelopes) == 1


def test_mail_is_given_up_after_the_configured_attempts(committed_db, mail_settings, clock):
    queue()
    committed_db.commit()
    down = replace(mail_settings, port=free_port())
    for _ in range(mail_settings.max_attempts):
        send_due_mail(down)
        clock.shift(timedelta(hours=1))
    committed_db.expire_all()
    row = committed_db.scalar(select(OutboxMessage))
    assert row.failed_at is not None and row.attempts == 3
    assert send_due_mail(mail_settings) == 0


def test_two_workers_send_each_message_once(app, committed_db, smtp_server, mail_settings):
    queue(20)
    committed_db.commit()
    barrier = threading.Barrier(2)

    def worker():
        with app.app_context():
            barrier.wait(timeout=10)
            send_due_mail(mail_settings)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    ids = [message_from_bytes(e.content)["Message-ID"] for e in smtp_server.envelopes]
    assert len(ids) == 20 and len(set(ids)) == 20
    committed_db.expire_all()
    assert committed_db.scalar(select(func.sum(OutboxMessage.attempts))) == 20
