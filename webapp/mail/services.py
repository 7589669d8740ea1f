"""Queueing mail in the outbox (sending comes with the worker)."""
from __future__ import annotations

from webapp.extensions import db
from webapp.mail.models import OutboxMessage


def queue_message(kind: str, to_address: str, subject: str, body_text: str, *, case_id: int | None = None,
                  agency_id: int | None = None) -> OutboxMessage:
    """Write a message to the outbox in the caller's transaction; nothing is sent for a change rolled back."""
    message = OutboxMessage(kind=kind, to_address=to_address, subject=subject, body_text=body_text,
                            case_id=case_id, agency_id=agency_id)
    db.session.add(message)
    db.session.flush()
    return message
