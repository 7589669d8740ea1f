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
from webapp.mail.delivery import send_by_smtp
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


def test_any_failure_of_one_message_is_recorded_as_its_attempt(committed_db, smtp_server, mail_settings, clock):
    """Not only OSError and SMTPException: a header smtplib refuses (a ValueError) must not end the pass."""
    queue(2)
    committed_db.commit()

    def refuse_the_first(message, settings):
        if message["To"] == "gp0@example.org":
            raise ValueError("smtplib refused a header")
        send_by_smtp(message, settings)

    assert send_due_mail(mail_settings, send=refuse_the_first) == 2
    committed_db.expire_all()
    first, second = committed_db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    assert first.sent_at is None and first.attempts == 1 and first.last_error == "ValueError: smtplib refused a header"
    assert second.sent_at is not None and len(smtp_server.envelopes) == 1


def test_a_message_that_cannot_be_built_fails_alone(committed_db, smtp_server, mail_settings):
    queue_message("test", "gp@example.org\r\nBcc: someone@example.org", "Notification", "Body")
    queue()
    committed_db.commit()
    assert send_due_mail(mail_settings) == 2
    committed_db.expire_all()
    broken, fine = committed_db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    assert broken.sent_at is None and broken.attempts == 1 and broken.last_error.startswith("ValueError: ")
    assert fine.sent_at is not None and len(smtp_server.envelopes) == 1


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


def test_failed_mail_is_listed_for_administrators_and_can_be_sent_again(client, committed_db, committed_factory,
                                                                        smtp_server, mail_settings, clock):
    from tests.helpers import csrf_token, sign_in
    from webapp.auth.roles import Role

    committed_factory.user(Role.ADMINISTRATOR, username="mailadmin")
    committed_factory.user(Role.TEAM_MANAGER, username="notadmin")
    queue()
    committed_db.commit()
    for _ in range(mail_settings.max_attempts):
        send_due_mail(replace(mail_settings, port=free_port()))
        clock.shift(timedelta(hours=1))
    sign_in(client, "notadmin")
    assert client.get("/admin/mail/").status_code == 403
    client.post("/sign-out", data={"csrf_token": csrf_token(client.get("/").text)})
    sign_in(client, "mailadmin")
    page = client.get("/admin/mail/")
    assert "Notification 0: case CIN-000001" in page.text and "ConnectionRefusedError" in page.text
    message_id = committed_db.scalar(select(OutboxMessage.id))
    client.post(f"/admin/mail/{message_id}/retry", data={"csrf_token": csrf_token(page.text)})
    assert send_due_mail(mail_settings) == 1 and len(smtp_server.envelopes) == 1


def test_a_rolled_back_step_sends_nothing(committed_db, smtp_server, mail_settings):
    """A step that queues the GP's notification and then fails leaves no mail behind."""
    from tests.cases.builders import complete, open_case, referral_answers
    from webapp.agencies.models import Agency, AgencyKind
    from webapp.auth.models import User
    from webapp.config import PROJECT_ROOT
    from webapp.demo import seed_demo
    from webapp.workflow.versions import deploy_directory

    deploy_directory(PROJECT_ROOT / "workflows")
    seed_demo(committed_db)
    sw1, tm1 = (committed_db.scalar(select(User).where(User.username == n)) for n in ("sw1", "tm1"))
    gp = committed_db.scalar(select(Agency).where(Agency.kind == AgencyKind.GP_PRACTICE.value))
    case = open_case(sw1, referral_answers(gp_id=gp.id))
    committed_db.commit()
    complete(tm1, case, "referral_decision", {"decision": "section17_assessment", "allocated_worker_id": sw1.id,
                                              "decision_reasons": "x", "referrer_acknowledged": False})
    assert committed_db.scalar(select(func.count(OutboxMessage.id))) == 1  # queued inside the step
    committed_db.rollback()  # the request failed after the step: nothing it did stays
    assert send_due_mail(mail_settings) == 0 and smtp_server.envelopes == []
