"""Meeting minutes as versions (draft, sent for approval, issued, then superseded by a correction) and the
actions they set, tracked on the case. An issued version is never edited: a correction is a new version."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.columns import UTCDateTime, utc_now
from webapp.extensions import db

STATUS_LABELS = {"draft": "Draft", "submitted": "Waiting for the chair's approval", "issued": "Issued",
                 "superseded": "Replaced by a correction"}


class MinutesVersion(db.Model):
    __tablename__ = "minutes_versions"
    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    number: Mapped[int]  # 1, then one more for each correction
    status: Mapped[str] = mapped_column(String(12), default="draft")  # a key of STATUS_LABELS
    # The sections (webapp/minutes/content_schema.json): long text is kept here, never in workflow data.
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    # Household members the minutes go to besides the invitees (ids), chosen when writing them.
    family_distribution: Mapped[list] = mapped_column(JSON, default=list)
    # Who was invited and how they answered and attended, frozen when the version is issued.
    attendance: Mapped[list | None] = mapped_column(JSON)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    returned_reason: Mapped[str | None] = mapped_column(Text)  # the chair's reason for sending a draft back
    written_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))

    meeting: Mapped["Meeting"] = relationship()  # noqa: F821
    written_by: Mapped["User"] = relationship(foreign_keys=[written_by_id])  # noqa: F821
    approved_by: Mapped["User | None"] = relationship(foreign_keys=[approved_by_id])  # noqa: F821
    document: Mapped["Document | None"] = relationship()  # noqa: F821

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def readable(self) -> bool:
        """Issued versions, current or replaced, are the record; drafts are not."""
        return self.status in {"issued", "superseded"}


class CaseAction(db.Model):
    """An action set by issued minutes: who does what by when, until marked done."""

    __tablename__ = "case_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    minutes_version_id: Mapped[int] = mapped_column(ForeignKey("minutes_versions.id"))
    action: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a correction set other actions

    minutes_version: Mapped[MinutesVersion] = relationship()

    def status(self, today: date) -> str:
        if self.done_at is not None:
            return "done"
        return "overdue" if self.due_on < today else "open"
