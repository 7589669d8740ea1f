"""Page views and the worker side by side on committed data, as `make run` serves them: while the worker renders
minutes PDFs, fires timers, sends mail and seals the audit trail, every audited page view answers, none with
a server error ("database is locked" on SQLite), and every look is audited."""
import asyncio
import logging
import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from tests.cases.builders import open_case, referral_answers
from tests.conftest import free_port
from tests.helpers import sign_in
from tests.minutes.builders import approve, held_meeting, write
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.config import MailSettings
from webapp.demo import DEMO_PASSWORD
from webapp.documents.models import Document
from webapp.documents.services import queue_document
from webapp.extensions import db
from webapp.mail.models import OutboxMessage
from webapp.mail.services import queue_message
from webapp.worker import run_pass, send_due_mail

RENDERS = 6  # about half a second each: page views run all through them


def test_page_views_never_fail_while_the_worker_renders_and_writes(app, partnership_committed, smtp_server):
    session = partnership_committed
    case, meeting, sw1, tm1 = held_meeting(session)
    write(sw1, case)
    version = approve(tm1, case)  # queues the minutes PDF and the circulation mail
    for _ in range(RENDERS - 1):
        queue_document(case.id, "minutes", version.id, f"Minutes case {case.reference}", datetime.now(timezone.utc))
    session.commit()
    case_id = case.id
    mail = MailSettings(host=smtp_server.host, port=smtp_server.port)
    stop, worker_errors = threading.Event(), []

    def work():
        with app.app_context():
            try:
                while not stop.is_set():
                    if not run_pass(mail).documents_waiting:
                        break
            except Exception as error:  # the test reports it: a worker failure is a failure too
                worker_errors.append(error)

    worker_page, manager_page = app.test_client(), app.test_client()
    sign_in(worker_page, "sw1", DEMO_PASSWORD)
    sign_in(manager_page, "tm1", DEMO_PASSWORD)
    worker = threading.Thread(target=work, name="worker", daemon=True)
    statuses = []
    worker.start()
    try:
        while worker.is_alive() and len(statuses) < 500:
            statuses.append(worker_page.get(f"/cases/{case_id}").status_code)
            statuses.append(manager_page.get(f"/cases/{case_id}/audit").status_code)
    finally:
        # The worker finishes what it has once the page views stop: back-to-back views can keep SQLite's one
        # write lock past its busy timeout, and then the worker only ends that pass early (never an error).
        worker.join(timeout=120)
        stop.set()
        worker.join(timeout=10)
    assert not worker_errors
    failures = [code for code in statuses if code != 200]
    assert not failures, f"{len(failures)} of {len(statuses)} page views failed: {sorted(set(failures))}"
    session.rollback()  # a fresh snapshot: the worker committed since this session last read
    assert [(d.status, d.last_error) for d in session.scalars(select(Document))] == [("ready", None)] * RENDERS
    looks = session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "case.viewed"))
    assert looks >= len(statuses) // 2


class HeldMailServer:
    """An SMTP server that holds each message until the test lets it answer: a slow mail server, without sleeps."""

    def __init__(self):
        self.arrived, self.release, self.envelopes = threading.Event(), threading.Event(), []

    async def handle_DATA(self, server, session, envelope):
        self.arrived.set()
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def held_mail_server():
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = HeldMailServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, MailSettings(host=controller.hostname, port=controller.port)
    finally:
        handler.release.set()
        controller.stop()


def test_page_views_answer_while_the_worker_waits_for_the_mail_server(app, partnership_committed, held_mail_server):
    session = partnership_committed
    server, mail = held_mail_server
    sw1 = session.scalar(select(User).where(User.username == "sw1"))
    case_id = open_case(sw1, referral_answers()).id
    queue_message("test", "gp1@example.org", "Notification: case CIN-000001", "Sign in: {service_url}/")
    session.commit()
    page = app.test_client()
    sign_in(page, "sw1", DEMO_PASSWORD)
    sent = []

    def work():
        with app.app_context():
            sent.append(send_due_mail(mail))
            db.session.remove()

    worker = threading.Thread(target=work, name="worker", daemon=True)
    worker.start()
    try:
        assert server.arrived.wait(timeout=30), "the worker never reached the mail server"
        # The mail server has the message and has not answered: the worker must hold no lock meanwhile.
        views = [page.get(f"/cases/{case_id}").status_code, page.get("/cases").status_code]
    finally:
        server.release.set()
        worker.join(timeout=30)
    assert views == [200, 200]
    session.rollback()
    row, = [m for m in session.scalars(select(OutboxMessage)) if m.kind == "test"]
    assert row.sent_at is not None and row.attempts == 1 and len(server.envelopes) >= 1
