"""Sending the outbox: each message claimed in one short transaction, sent with no transaction open, and its
result recorded in another; retried with backoff, given up after the configured attempts. Delivery is at least
once: a crash between sending and recording sends the same message (with the same Message-ID) again once its
claim lapses, which mail systems de-duplicate."""
from __future__ import annotations

import smtplib
import ssl
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
# A claimed message is not due again for this long: other workers leave it alone while it is being sent, and a
# worker that stopped mid-send leaves it to be sent again after this (an SMTP conversation times out far sooner).
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


def send_by_smtp(message: EmailMessage, settings: MailSettings) -> None:
    """Hand one message to the SMTP server; any failure raises."""
    if settings.security == "ssl":
        connection = smtplib.SMTP_SSL(settings.host, settings.port, timeout=20,
                                      context=ssl.create_default_context())
    else:
        connection = smtplib.SMTP(settings.host, settings.port, timeout=20)
    with connection:
        if settings.security == "starttls":
            connection.starttls(context=ssl.create_default_context())
        if settings.username:
            connection.login(settings.username, settings.password)
        connection.send_message(message)


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
    """Try the next due message; returns False when none is due. Commits the claim before talking to the mail
    server, so that no lock is held while it answers (on SQLite a held write lock stops every page view that
    audits); the caller commits the recorded result."""
    row = claim_next_message(now)
    if row is None:
        return False
    row.attempts += 1
    row.next_attempt_at = now + SEND_CLAIM
    row_id, message = row.id, build_email(row, settings)
    db.session.commit()
    error = None
    try:
        send(message, settings)
    except (OSError, smtplib.SMTPException) as failure:
        error = failure
    begin_write(db.session)
    record_attempt(db.session.get(OutboxMessage, row_id), error, now, settings)
    return True


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
