"""A process owner's draft of a process: the diagrams and forms of its bundle as edited, not yet deployed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.columns import UTCDateTime, utc_now
from webapp.extensions import db


class ProcessDraft(db.Model):
    __tablename__ = "process_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(120), unique=True)  # one draft per process at a time
    based_on_version_id: Mapped[int] = mapped_column(ForeignKey("workflow_versions.id"))
    diagrams: Mapped[dict] = mapped_column(JSON)  # file name -> XML text
    forms: Mapped[dict] = mapped_column(JSON)  # form key -> JSON Schema
    saved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    saved_by: Mapped["User"] = relationship()  # noqa: F821
