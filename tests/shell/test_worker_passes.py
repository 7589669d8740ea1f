"""The worker keeps its promises when the parts around it fail: with a mail server that accepts connections and
never answers, a pass still fires the timers falling due meanwhile, spends no more than its mail budget (plus the
one conversation under way), holds no transaction while it waits, and SIGTERM stops `flask worker` within
seconds. Each completed pass leaves a heartbeat row."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from webapp.audit.models import AuditEvent
from webapp.auth.roles import Role
from webapp.columns import utc_now
from webapp.config import MailSettings
from webapp.extensions import db
from webapp.mail.models import OutboxMessage
from webapp.mail.services import queue_message
from webapp.monitoring.models import WorkerHeartbeat
from webapp.worker import run_pass
from webapp.workflow import runtime
from webapp.workflow.versions import deploy_directory

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEST_DIAGRAMS = PROJECT_ROOT / "tests" / "workflows" / "diagrams"
REMINDER_DUE = timedelta(hours=4, seconds=1)  # the test diagram "deadline" waits PT4H for its reminder
SMTP_WAIT = 3  # seconds the worker waits for the silent server's greeting


class SilentMailServer:
    """Accepts SMTP connections on loopback and never says a word, as a mail server that hangs does.
    `on_accept` runs in the server's thread as each connection arrives; `on_close` when the worker gives up."""

    def __init__(self, on_accept=None, on_close=None):
        self.on_accept, self.on_close = on_accept, on_close
        self.accepted, self.errors = threading.Event(), []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.host, self.port = self._listener.getsockname()
        self._thread = threading.Thread(target=self._serve, name="silent-smtp", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the thread waiting in accept()
        except OSError:
            pass
        self._listener.close()
        self._thread.join(timeout=SMTP_WAIT + 5)

    def _serve(self):
        try:
            while True:
                try:
                    connection, _ = self._listener.accept()
                except OSError:
                    return  # closed by the test
                with connection:
                    self.accepted.set()
                    self._call(self.on_accept)
                    connection.settimeout(SMTP_WAIT + 5)
                    try:
                        while connection.recv(1024):
                            pass
                    except OSError:
                        pass
                    self._call(self.on_close)
        except Exception as error:  # reported by the test, never lost in a thread
            self.errors.append(error)

    def _call(self, callback):
        if callback is not None:
            callback()


def silent_settings(server) -> MailSettings:
    return replace(MailSettings(), host=server.host, port=server.port, timeout_seconds=SMTP_WAIT,
                   message_deadline_seconds=SMTP_WAIT)


def queue_mails(count: int) -> None:
    for n in range(count):
        queue_message("test", f"gp{n}@example.org", f"Notification: case CIN-{n:06d}", "Sign in: {service_url}/")


def timers_fired(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "workflow.timers_fired"))


def transactions_open_elsewhere(engine) -> list[str]:
    """What another connection finds while the worker waits for the mail server: PostgreSQL lists sessions left in
    a transaction; on SQLite the write lock must be free at once."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            return list(connection.scalars(text(
                "SELECT state FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'")))
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA busy_timeout = 200")
        try:
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute("ROLLBACK")
            return []
        except Exception as error:  # the write lock is held
            return [str(error)]
        finally:
            cursor.execute("PRAGMA busy_timeout = 10000")
    finally:
        raw.close()


@pytest.fixture
def reminder(committed_db, committed_factory, clock):
    """A workflow instance whose reminder timer falls due 4 hours after the clock's start."""
    deploy_directory(TEST_DIAGRAMS)
    worker = committed_factory.user(Role.SOCIAL_WORKER)
    instance_id = runtime.start_instance("deadline", "cases", 1, {"referral_on": "2026-03-02"}, actor=worker)
    committed_db.commit()
    return instance_id


def test_a_timer_falling_due_while_the_mail_server_hangs_fires_in_that_pass(app, committed_db, reminder, clock):
    queue_mails(3)
    committed_db.commit()
    engine, seen = db.engine, {}
    settings = replace(app.config["APP_SETTINGS"], worker_interval_seconds=1, worker_mail_budget_seconds=1)

    def mail_server_hangs():
        seen["open elsewhere"] = transactions_open_elsewhere(engine)
        clock.shift(REMINDER_DUE)  # the reminder falls due while the worker waits for the greeting

    def worker_gives_up():
        seen.setdefault("fired before the worker gave up", timers_fired(engine))

    with SilentMailServer(mail_server_hangs, worker_gives_up) as server:
        started = time.monotonic()
        result = run_pass(silent_settings(server), settings=settings)
        took = time.monotonic() - started
    assert not server.errors
    assert seen == {"open elsewhere": [], "fired before the worker gave up": 1}
    assert (result.timers_fired, result.timers_failed) == (1, 0)
    # The budget (1 s) was spent during the first conversation: no second message was taken.
    assert (result.mail_attempts, result.mail_waiting) == (1, True)
    assert SMTP_WAIT <= took < SMTP_WAIT + 2
    committed_db.expire_all()
    attempts = committed_db.scalars(select(OutboxMessage.attempts).order_by(OutboxMessage.id)).all()
    assert attempts == [1, 0, 0]
    assert committed_db.scalar(select(OutboxMessage.last_error).where(OutboxMessage.attempts == 1)) \
        .startswith("TimeoutError")


def test_a_due_timer_fires_before_any_mail_is_tried(app, committed_db, reminder, clock):
    queue_mails(2)
    committed_db.commit()
    clock.shift(REMINDER_DUE)
    engine, seen = db.engine, []
    settings = replace(app.config["APP_SETTINGS"], worker_mail_budget_seconds=1)
    with SilentMailServer(lambda: seen.append(timers_fired(engine))) as server:
        result = run_pass(silent_settings(server), settings=settings)
    assert seen == [1] and result.timers_fired == 1 and result.mail_attempts == 1


def test_each_completed_pass_leaves_a_heartbeat(app, committed_db, clock, smtp_server):
    mail = replace(MailSettings(), host=smtp_server.host, port=smtp_server.port)
    started = utc_now()
    run_pass(mail, worker="worker-host:41")
    clock.shift(timedelta(seconds=5))
    run_pass(mail, worker="worker-host:41", started_at=started)
    committed_db.expire_all()
    [row] = committed_db.scalars(select(WorkerHeartbeat)).all()
    assert (row.worker, row.started_at, row.last_pass_at) == ("worker-host:41", started, utc_now())
    assert 0 < row.last_pass_seconds < 5


def test_sigterm_stops_the_worker_within_seconds_while_the_mail_server_hangs(app, committed_db):
    queue_mails(1)
    committed_db.commit()
    with SilentMailServer() as server:
        environment = {**os.environ, "APP_ENV": "test", "FLASK_APP": "webapp",
                       "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
                       "SMTP_HOST": server.host, "SMTP_PORT": str(server.port), "SMTP_TIMEOUT_SECONDS": "120",
                       "SMTP_MESSAGE_DEADLINE_SECONDS": "120", "WORKER_INTERVAL_SECONDS": "1"}
        worker = subprocess.Popen([sys.executable, "-m", "flask", "worker"], cwd=PROJECT_ROOT, env=environment,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            assert server.accepted.wait(60), "the worker never reached the mail server"
            worker.send_signal(signal.SIGTERM)
            stopped = time.monotonic()
            output, _ = worker.communicate(timeout=30)
            took = time.monotonic() - stopped
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert worker.returncode == 0, output
    assert "Worker stopped." in output and took < 3
    committed_db.expire_all()
    row = committed_db.scalar(select(OutboxMessage))
    assert row.attempts == 1 and row.sent_at is None  # its claim lapses and a later pass sends it
