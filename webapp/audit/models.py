"""The append-only audit trail: who did or looked at what, when and from where."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from webapp.columns import UTCDateTime, utc_now
from webapp.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_subject", "subject_type", "subject_id"),
        Index("ix_audit_events_action_occurred_at", "action", "occurred_at"),
        # The trail's filters (webapp/audit/listing.py): each ends in occurred_at, the order the page reads.
        Index("ix_audit_events_actor_occurred_at", "actor_id", "occurred_at"),
        Index("ix_audit_events_actor_label_occurred_at", "actor_label", "occurred_at"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The name typed at sign-in, kept for failed attempts that match no account.
    actor_label: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    ip_address: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    # The hash chain (webapp/audit/chain.py): rows are sealed in order after they commit; each seal covers the
    # row and the seal before it, so an altered or removed row breaks every seal after it.
    chain_position: Mapped[int | None] = mapped_column(unique=True)
    row_hash: Mapped[str | None] = mapped_column(String(64))


class AccessRefusal(db.Model):
    """Refused requests (403/404 on a record, document, link or API call) folded per actor, route and minute:
    the first of a fold writes an audit row, later ones only raise the count, so a scanner cannot flood the trail."""

    __tablename__ = "access_refusals"
    __table_args__ = (UniqueConstraint("actor_key", "route", "minute_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_key: Mapped[str] = mapped_column(String(140))  # "user:12" or "token:7"
    route: Mapped[str] = mapped_column(String(120))  # the endpoint, not the path: ids differ, the route does not
    minute_at: Mapped[datetime] = mapped_column(UTCDateTime())
    count: Mapped[int] = mapped_column(default=1)
    audit_event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"))


class AuditRowImmutable(RuntimeError):
    """Audit rows are append-only."""


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target):
    raise AuditRowImmutable("audit rows are never updated or deleted (the chain seals them with plain SQL)")
