"""No mail server holds the worker past the message deadline: one that refuses, one that accepts and never
answers, one that drips a byte at a time, one that goes quiet in the middle of a TLS handshake. Each send fails
with an error deliver_next records, soon after the deadline. Also: an attempt is counted when the message is
claimed, so a worker that dies mid-send has used it, and the configured attempts bound how often it goes out."""
from __future__ import annotations

import smtplib
import socket
import threading
import time
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from tests.conftest import free_port
from webapp.columns import utc_now
from webapp.mail.delivery import deliver_next, send_by_smtp
from webapp.mail.models import OutboxMessage
from webapp.mail.services import queue_message
from webapp.worker import send_due_mail

TIMEOUT, DEADLINE = 1, 3
DRIP = 0.5  # seconds between the dripping server's bytes: well inside the timeout
MARGIN = 1.5  # thread start-up and a loaded 2-core machine
SERVER_GIVES_UP = 15  # a misbehaving server stops on its own, so a broken deadline fails the test, never hangs it


class LoopbackServer:
    """A TCP server on loopback; each connection is handled by `behaviour(connection, stop)` in its own thread."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)  # lets the accept loop notice `stop`
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def __enter__(self):
        self._start(self._accept)
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        for thread in list(self.threads):
            thread.join(timeout=SERVER_GIVES_UP + 5)
        self.listener.close()

    def _start(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        self.threads.append(thread)
        thread.start()

    def _accept(self):
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            self._start(self._serve, connection)

    def _serve(self, connection):
        with connection:
            try:
                self.behaviour(connection, self.stop)
            except OSError:
                pass  # the client shut its side down: what the deadline is for


def silent(connection, stop):
    """Accepts and never says a word."""
    stop.wait(SERVER_GIVES_UP)


def dripping(connection, stop):
    """Starts a greeting ("2") and adds a byte every DRIP seconds, never finishing a line: each read gets a byte
    before the timeout, so only the deadline can stop the send."""
    connection.sendall(b"2")
    started = time.monotonic()
    while not stop.wait(DRIP) and time.monotonic() - started < SERVER_GIVES_UP:
        connection.sendall(b"2")


def quiet_during_tls(connection, stop):
    """Offers STARTTLS, agrees to start it, then never answers the client's hello."""
    lines = connection.makefile("rb")
    connection.sendall(b"220 loopback ready\r\n")
    while line := lines.readline():
        if line.upper().startswith((b"EHLO", b"HELO")):
            connection.sendall(b"250-loopback\r\n250 STARTTLS\r\n")
        elif line.upper().startswith(b"STARTTLS"):
            connection.sendall(b"220 go ahead\r\n")
            stop.wait(SERVER_GIVES_UP)
            return


@pytest.fixture
def small(app):
    """The app's mail settings with a 1 s timeout and a 3 s deadline."""
    return replace(app.config["APP_SETTINGS"].mail, host="127.0.0.1", timeout_seconds=TIMEOUT,
                   message_deadline_seconds=DEADLINE, max_attempts=3)


def message() -> EmailMessage:
    built = EmailMessage()
    built["From"], built["To"], built["Subject"] = "cin@example.org", "gp@example.org", "Notification CIN-000001"
    built.set_content("Sign in to see it.")
    return built


def timed_send(settings) -> tuple[BaseException, float]:
    started = time.monotonic()
    with pytest.raises((OSError, smtplib.SMTPException)) as failure:
        send_by_smtp(message(), settings)
    return failure.value, time.monotonic() - started


def test_a_refusing_port_fails_at_once(small):
    error, took = timed_send(replace(small, port=free_port()))
    assert isinstance(error, ConnectionRefusedError) and took < TIMEOUT


def test_a_server_that_accepts_and_never_answers_fails_after_the_timeout(small):
    with LoopbackServer(silent) as server:
        error, took = timed_send(replace(small, port=server.port))
    assert isinstance(error, TimeoutError) and str(error) == f"the mail server did not answer within {TIMEOUT} s"
    assert TIMEOUT <= took < TIMEOUT + MARGIN


def test_the_deadline_cuts_short_a_read_that_would_wait_longer(small):
    with LoopbackServer(silent) as server:
        error, took = timed_send(replace(small, port=server.port, timeout_seconds=30))
    assert isinstance(error, TimeoutError) and str(error) == f"the mail server did not finish within {DEADLINE} s"
    assert DEADLINE <= took < DEADLINE + MARGIN


def test_a_server_dripping_a_byte_at_a_time_fails_at_the_deadline(small):
    with LoopbackServer(dripping) as server:
        error, took = timed_send(replace(small, port=server.port))
    assert isinstance(error, TimeoutError) and str(error) == f"the mail server did not finish within {DEADLINE} s"
    assert DEADLINE <= took < DEADLINE + MARGIN


def test_the_deadline_reaches_a_connection_that_tls_has_wrapped(small):
    """STARTTLS hands the socket to an SSL object: the watchdog must still reach it mid-handshake."""
    with LoopbackServer(quiet_during_tls) as server:
        error, took = timed_send(replace(small, port=server.port, security="starttls", timeout_seconds=30))
    assert isinstance(error, TimeoutError) and str(error) == f"the mail server did not finish within {DEADLINE} s"
    assert DEADLINE <= took < DEADLINE + MARGIN


def test_the_deadline_reaches_an_ssl_handshake_that_never_ends(small):
    """SMTP_SSL shakes hands inside its connect: the watchdog must already hold the socket by then."""
    with LoopbackServer(silent) as server:
        error, took = timed_send(replace(small, port=server.port, security="ssl", timeout_seconds=30))
    assert isinstance(error, TimeoutError) and str(error) == f"the mail server did not finish within {DEADLINE} s"
    assert DEADLINE <= took < DEADLINE + MARGIN


def test_the_worker_records_the_deadline_and_tries_again_later(committed_db, small, clock):
    queue_message("test", "gp@example.org", "Notification CIN-000001", "Sign in: {service_url}/")
    committed_db.commit()
    with LoopbackServer(dripping) as server:
        started = time.monotonic()
        assert send_due_mail(replace(small, port=server.port)) == 1
        took = time.monotonic() - started
    assert took < DEADLINE + MARGIN
    committed_db.expire_all()
    row = committed_db.scalar(select(OutboxMessage))
    assert row.attempts == 1 and row.sent_at is None and row.failed_at is None
    assert row.last_error == f"TimeoutError: the mail server did not finish within {DEADLINE} s"
    assert row.last_attempt_at == utc_now()  # the clock stands still: the time of the claim
    assert row.next_attempt_at == utc_now() + timedelta(minutes=1)  # the first backoff


class WorkerKilled(BaseException):
    """Stands in for the process dying mid-send (SIGKILL, power loss): nothing after it runs."""


def die_mid_send(message, settings):
    raise WorkerKilled


def test_a_worker_that_dies_mid_send_has_used_the_attempt(committed_db, smtp_server, small, clock):
    queue_message("test", "gp@example.org", "Notification CIN-000001", "Sign in: {service_url}/")
    committed_db.commit()
    settings = replace(small, port=smtp_server.port)
    with pytest.raises(WorkerKilled):
        send_due_mail(settings, send=die_mid_send)
    committed_db.rollback()  # what the dead worker had not committed is gone
    row = committed_db.scalar(select(OutboxMessage))
    assert row.attempts == 1 and row.last_attempt_at == utc_now() and row.sent_at is None
    clock.shift(timedelta(minutes=4))
    assert send_due_mail(settings) == 0  # still claimed by the worker that died
    clock.shift(timedelta(minutes=1, seconds=1))
    assert send_due_mail(settings) == 1 and len(smtp_server.envelopes) == 1
    committed_db.expire_all()
    assert row.attempts == 2 and row.sent_at is not None


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit, WorkerKilled])
def test_deliver_next_lets_the_worker_stop(committed_db, small, clock, stop):
    queue_message("test", "gp@example.org", "Notification CIN-000001", "Sign in: {service_url}/")
    committed_db.commit()

    def stopped(message, settings):
        raise stop

    with pytest.raises(stop):
        deliver_next(utc_now(), small, stopped)
    committed_db.rollback()
    assert committed_db.scalar(select(OutboxMessage.attempts)) == 1


def test_max_attempts_bound_how_often_a_dying_worker_resends(committed_db, smtp_server, small, clock):
    """Each worker dies after handing the message over: it goes out at most max_attempts times, then is listed
    as failed with why, and is never sent again by itself."""
    queue_message("test", "gp@example.org", "Notification CIN-000001", "Sign in: {service_url}/")
    committed_db.commit()
    settings = replace(small, port=smtp_server.port)

    def send_then_die(message, settings):
        send_by_smtp(message, settings)
        raise WorkerKilled

    for _ in range(settings.max_attempts + 2):
        try:
            send_due_mail(settings, send=send_then_die)
        except WorkerKilled:
            pass
        committed_db.rollback()
        clock.shift(timedelta(minutes=6))
    assert len(smtp_server.envelopes) == settings.max_attempts
    row = committed_db.scalar(select(OutboxMessage))
    assert row.attempts == settings.max_attempts and row.failed_at is not None
    assert row.last_error.startswith("Interrupted: the worker stopped during attempt 3")
