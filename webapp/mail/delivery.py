"""Sending the outbox: each message claimed in one short transaction, sent with no transaction open, and its
result recorded in another; retried with backoff, given up after the configured attempts. Delivery is at least
once: a crash between sending and recording sends the same message (with the same Message-ID) again once its
claim lapses, which mail systems de-duplicate; the attempt is counted at the claim, so the configured attempts
bound how often that can happen. No send outlasts the message deadline, however the server behaves."""
from __future__ import annotations

import smtplib
import socket
import ssl
import threading
from datetime import datetime, timedelta
from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Callable

from sqlalchemy import select

from webapp.config import MailSettings
from webapp.database import begin_write
from webapp.extensions import db
from webapp.mail.models import OutboxMessage

MAX_BACKOFF = timedelta(hours=1)
# A claimed message is not due again for this long (or twice the message deadline, if longer): other workers leave
# it alone while it is being sent, and a worker that stopped mid-send leaves it to be sent again after this.
SEND_CLAIM = timedelta(minutes=5)
SERVICE_URL_MARK = "{service_url}"  # bodies are written in transactions that do not know the service's address


def build_email(row: OutboxMessage, settings: MailSettings) -> EmailMessage:
    if row.raw_mime:
        return message_from_string(row.raw_mime, policy=policy.SMTP)
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Message-ID"] = row.message_id
    message["Date"] = format_datetime(row.created_at)
    message.set_content(row.body_text.replace(SERVICE_URL_MARK, settings.service_url))
    return message


class MessageDeadline:
    """Shuts the connection down when a whole message takes too long. A per-read timeout alone does not bound
    it: smtplib reads lines through a file made from the socket, so a server dripping a byte a second never
    lets one read time out. The watchdog holds a duplicate of the socket's descriptor: shutting that down
    reaches the same connection after TLS wraps it (the wrapped socket takes the original's descriptor over)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._watched: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True  # a worker told to stop does not wait for it

    def __enter__(self) -> "MessageDeadline":
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()
        with self._lock:
            if self._watched is not None:
                self._watched.close()
                self._watched = None

    def watch(self, connected: socket.socket) -> None:
        with self._lock:
            self._watched = connected.dup()
            if self.expired:
                self._shut_down()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            self._shut_down()

    def _shut_down(self) -> None:
        if self._watched is not None:
            try:
                self._watched.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once, with nothing
            except OSError:
                pass  # the server closed it meanwhile


class _WatchedSocket:
    """Hands each new connection to the message's deadline before anything (a TLS handshake) is said on it."""

    deadline: MessageDeadline

    def _get_socket(self, host, port, timeout):
        connected = super()._get_socket(host, port, timeout)
        self.deadline.watch(connected)
        return connected


class _DeadlineSMTP(_WatchedSocket, smtplib.SMTP):
    def __init__(self, deadline: MessageDeadline, **kwargs):
        self.deadline = deadline
        super().__init__(**kwargs)


class _DeadlineSMTPSSL(smtplib.SMTP_SSL, _WatchedSocket):  # SMTP_SSL wraps what _WatchedSocket watched
    def __init__(self, deadline: MessageDeadline, **kwargs):
        self.deadline = deadline
        super().__init__(**kwargs)


def send_by_smtp(message: EmailMessage, settings: MailSettings) -> None:
    """Hand one message to the SMTP server; any failure raises an OSError or SMTPException. Connecting and each
    read or write wait at most `timeout_seconds`, the whole conversation at most `message_deadline_seconds`."""
    deadline = MessageDeadline(settings.message_deadline_seconds)
    wait = min(settings.timeout_seconds, settings.message_deadline_seconds)
    try:
        with deadline:
            _converse(message, settings, deadline, wait)
    except (OSError, smtplib.SMTPException) as error:
        timed_out = isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError)
        # A read cut to the deadline (wait == deadline) races the watchdog: either way the deadline passed.
        if deadline.expired or (timed_out and wait >= settings.message_deadline_seconds):
            raise TimeoutError(f"the mail server did not finish within {settings.message_deadline_seconds} s") \
                from error
        if timed_out:
            raise TimeoutError(f"the mail server did not answer within {wait} s") from error
        raise


def _converse(message: EmailMessage, settings: MailSettings, deadline: MessageDeadline, wait: float) -> None:
    if settings.security == "ssl":
        connection = _DeadlineSMTPSSL(deadline, host=settings.host, port=settings.port, timeout=wait,
                                      context=ssl.create_default_context())
    else:
        connection = _DeadlineSMTP(deadline, host=settings.host, port=settings.port, timeout=wait)
    try:
        if settings.security == "starttls":
            connection.starttls(context=ssl.create_default_context())
        if settings.username:
            connection.login(settings.username, settings.password)
        connection.send_message(message)
    except BaseException:
        connection.close()
        raise
    try:
        connection.quit()
    except (OSError, smtplib.SMTPException):
        connection.close()  # the server has taken the message: an unanswered QUIT must not send it twice


def claim_next_message(now: datetime) -> OutboxMessage | None:
    """The next message due, locked for this worker; other workers skip it (PostgreSQL SKIP LOCKED; on SQLite
    the transaction takes the write lock first, so workers take turns)."""
    begin_write(db.session)
    return db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None),
               OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(1)
        .with_for_update(skip_locked=True)
    )


def deliver_next(now: datetime, settings: MailSettings,
                 send: Callable[[EmailMessage, MailSettings], None] = send_by_smtp) -> bool:
    """Try the next due message; returns False when none is due. The attempt is counted and committed with the
    claim, before talking to the mail server: no lock is held while it answers (on SQLite a held write lock
    stops every page view that audits), and a worker that stops mid-send has used the attempt, so the
    configured attempts bound how often one message can go out. The caller commits the recorded result.
    A BaseException from `send` (the worker told to stop) is not caught: the claim lapses and another pass
    tries again."""
    row = claim_next_message(now)
    if row is None:
        return False
    if row.attempts >= settings.max_attempts:
        give_up_interrupted(row, now)
        return True
    row.attempts += 1
    row.last_attempt_at = now
    row.next_attempt_at = now + send_claim(settings)
    row_id, message, error = row.id, None, None
    try:
        message = build_email(row, settings)
    except Exception as failure:  # one message that cannot be built must not stop the mail queued behind it
        error = failure
    db.session.commit()
    if message is not None:
        try:
            send(message, settings)
        except Exception as failure:  # whatever one message's send raised (smtplib refusing a header, too)
            error = failure
    begin_write(db.session)
    record_attempt(db.session.get(OutboxMessage, row_id), error, now, settings)
    return True


def send_claim(settings: MailSettings) -> timedelta:
    """How long a claimed message is left alone: well past the longest a send can take."""
    return max(SEND_CLAIM, timedelta(seconds=2 * settings.message_deadline_seconds))


def give_up_interrupted(row: OutboxMessage, now: datetime) -> None:
    """The last attempt's worker stopped before recording a result: listed as failed, not sent yet again."""
    row.failed_at = now
    row.last_error = (f"Interrupted: the worker stopped during attempt {row.attempts} before the mail server "
                      "answered; the message may have gone out")
    db.session.flush()


def record_attempt(row: OutboxMessage, error: Exception | None, now: datetime, settings: MailSettings) -> None:
    """Sent, or the error with the next attempt backed off (given up after the last attempt)."""
    if error is None:
        row.sent_at, row.last_error = now, None
    else:
        row.last_error = f"{type(error).__name__}: {error}"[:500]
        if row.attempts >= settings.max_attempts:
            row.failed_at = now
        else:
            row.next_attempt_at = now + min(timedelta(minutes=2 ** (row.attempts - 1)), MAX_BACKOFF)
    db.session.flush()
