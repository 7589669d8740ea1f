"""Queueing mail in the outbox; the worker sends it after commit (webapp/mail/delivery.py)."""
from __future__ import annotations

from email.utils import make_msgid

from webapp.extensions import db
from webapp.mail.models import OutboxMessage


def queue_message(kind: str, to_address: str, subject: str, body_text: str, *, case_id: int | None = None,
                  agency_id: int | None = None) -> OutboxMessage:
    """Write a message to the outbox in the caller's transaction; nothing is sent for a change rolled back."""
    message = OutboxMessage(kind=kind, to_address=to_address, subject=subject, body_text=body_text,
                            case_id=case_id, agency_id=agency_id, message_id=make_msgid(domain="cin-workflow.local"))
    db.session.add(message)
    db.session.flush()
    return message
