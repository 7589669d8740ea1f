"""PDF records (minutes, plans): queued when issued, rendered by the worker, then kept unchanged with their hash."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from webapp.columns import UTCDateTime, utc_now
from webapp.extensions import db


class Document(db.Model):
    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_queued", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # minutes | cin_plan: which builder makes its HTML
    source_id: Mapped[int]  # the minutes version, or the plan's step record
    title: Mapped[str] = mapped_column(String(200))  # the case reference and what it is; never a child's name
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued | rendering | ready | failed
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a worker took it to render
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))

    @property
    def filename(self) -> str:
        return f"{self.title.lower().replace(' ', '-')}.pdf"
