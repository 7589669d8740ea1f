"""Writing and reading audit rows. Services call record_event in the same transaction as the change."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, or_, select

from webapp.audit.models import AuditEvent
from webapp.columns import utc_now
from webapp.extensions import db
from webapp.shell.security import Origin


NO_ORIGIN = Origin()  # a change made by the system or a command, not a request
_INSERT = insert(AuditEvent.__table__)


def record_event(
    action: str,
    *,
    actor=None,
    actor_label: str | None = None,
    subject=None,
    origin: Origin = NO_ORIGIN,
    detail: dict | None = None,
) -> int:
    """Append one audit row and return its id. `subject` is a model instance with an id, or a
    (table name, id) pair. A plain insert: audit rows are written on every step and never read back here."""
    subject_type, subject_id = subject if isinstance(subject, tuple) else (
        (subject.__tablename__, subject.id) if subject is not None else (None, None))
    result = db.session.execute(_INSERT, {
        "occurred_at": utc_now(),
        "action": action,
        "actor_id": actor.id if actor is not None else None,
        "actor_label": actor.username if actor is not None else (actor_label or "anonymous")[:120],
        "subject_type": subject_type,
        "subject_id": subject_id,
        "ip_address": origin.ip_address,
        "detail": detail or {},
    })
    return result.inserted_primary_key[0]


def count_events_since(action: str, since: datetime, *, actor_label: str | None = None,
                       ip_address: str | None = None) -> int:
    """How many rows of one action, for a sign-in name and/or an address, since a moment."""
    query = select(func.count(AuditEvent.id)).where(AuditEvent.action == action, AuditEvent.occurred_at >= since)
    if actor_label is not None:
        query = query.where(AuditEvent.actor_label == actor_label)
    if ip_address is not None:
        query = query.where(AuditEvent.ip_address == ip_address)
    return db.session.scalar(query) or 0


_ANY = object()


def latest_event_times(action: str, since: datetime, *, limit: int, actor_label=_ANY, ip_address=_ANY,
                       except_reason: str | None = None) -> list[datetime]:
    """When the newest rows of one action since a moment happened, newest first, at most `limit`: for a sign-in
    name and/or an address (None matches rows without one), leaving out rows whose detail reason is `except_reason`."""
    query = select(AuditEvent.occurred_at).where(AuditEvent.action == action, AuditEvent.occurred_at >= since)
    if actor_label is not _ANY:
        query = query.where(AuditEvent.actor_label == actor_label)
    if ip_address is not _ANY:
        query = query.where(AuditEvent.ip_address == ip_address)  # == None is IS NULL
    if except_reason is not None:
        reason = AuditEvent.detail["reason"].as_string()
        query = query.where(or_(reason.is_(None), reason != except_reason))
    query = query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)
    return list(db.session.scalars(query))
