"""What the service knows of its own health: each worker's last completed pass, and alerts raised for the
administrators (mail that has not gone out, a document that failed)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.columns import UTCDateTime, utc_now
from webapp.extensions import db


class WorkerHeartbeat(db.Model):
    """One row per worker process, written at the end of each pass; /ready answers 503 when none is recent."""

    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(120), primary_key=True)  # host and process id
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    last_pass_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    last_pass_seconds: Mapped[float] = mapped_column(default=0.0)


class AdminAlert(db.Model):
    """Something administrators must act on; raised once per `key` while open, e-mailed and shown as a banner
    until it clears (mail flowing again) or an administrator dismisses it."""

    __tablename__ = "admin_alerts"
    __table_args__ = (Index("ix_admin_alerts_open", "cleared_at", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # mail_stalled | document_failed
    key: Mapped[str] = mapped_column(String(80))  # what it is about, e.g. "document:12"; one open alert per key
    message: Mapped[str] = mapped_column(String(300))  # no child's name or concern: references only
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the administrator who dismissed it; none when it cleared itself


class ReadinessProbe(db.Model):
    """One row, rewritten by every `GET /ready`: a committed write proves the database still takes writes (a
    read-only replica, a full disk or a revoked grant answers reads but fails here)."""

    __tablename__ = "readiness_probes"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    checked_by: Mapped[str] = mapped_column(String(120))  # the web process (host and process id)
