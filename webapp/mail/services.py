"""Queueing mail in the outbox; the worker sends it after commit (webapp/mail/delivery.py)."""
from __future__ import annotations

import unicodedata
from email.utils import make_msgid

from sqlalchemy import func, select

from webapp.audit.services import record_event
from webapp.auth.user_admin import require_administrator
from webapp.errors import NotFound
from webapp.extensions import db
from webapp.mail.models import OutboxMessage


def queue_message(kind: str, to_address: str, subject: str, body_text: str, *, case_id: int | None = None,
                  agency_id: int | None = None, raw_mime: str | None = None,
                  message_id: str | None = None) -> OutboxMessage:
    """Write a message to the outbox in the caller's transaction; nothing is sent for a change rolled back.
    `raw_mime` is a whole message built by the caller (with `message_id` as its Message-ID)."""
    message = OutboxMessage(kind=kind, to_address=to_address, subject=one_line(subject), body_text=body_text,
                            case_id=case_id, agency_id=agency_id, raw_mime=raw_mime,
                            message_id=message_id or new_message_id())
    db.session.add(message)
    db.session.flush()
    return message


def one_line(text: str) -> str:
    """Text safe for a mail header or a calendar name: control characters and line breaks become one space (a name
    stored as "Pat\r\nBcc: x@example.org" must neither add a header nor make building the message fail)."""
    return " ".join("".join(" " if unicodedata.category(c) in {"Cc", "Zl", "Zp"} else c for c in text).split())


def new_message_id() -> str:
    return make_msgid(domain="cin-workflow.local")


def mail_overview(actor) -> tuple[list[OutboxMessage], dict[str, int]]:
    """Messages the worker gave up on, and counts of waiting, sent and failed mail (administrators)."""
    require_administrator(actor)
    failed = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.failed_at.is_not(None))
                                     .order_by(OutboxMessage.failed_at.desc()).limit(200)))
    counts = {
        "waiting": db.session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))),
        "sent": db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.sent_at.is_not(None))),
        "failed": db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.failed_at.is_not(None))),
    }
    return failed, counts


def retry_message(actor, message_id: int, *, origin, now) -> OutboxMessage:
    """Send a failed message again from the next worker pass (attempts start again)."""
    require_administrator(actor)
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.failed_at is None:
        raise NotFound("There is no such failed message.")
    message.failed_at, message.attempts, message.next_attempt_at = None, 0, now
    record_event("mail.retried", actor=actor, subject=message, origin=origin)
    return message
