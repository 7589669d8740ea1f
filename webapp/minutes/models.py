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
    """An action set by issued minutes or by a CIN plan: who does what by when, until marked done (or, when the
    case closes, handed on or left open with a reason)."""

    __tablename__ = "case_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # Where it was set: issued minutes, or the plan's step record (one of the two).
    minutes_version_id: Mapped[int | None] = mapped_column(ForeignKey("minutes_versions.id"))
    step_record_id: Mapped[int | None] = mapped_column(ForeignKey("step_records.id"))
    action: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str] = mapped_column(String(200))  # as written: a name, a role or "Mother"
    # The owner's account, when they use the service: they see the action on their home page and mark it done.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The agency that owns it, when a plan gave one: each of its practitioners sees it at home and may mark it done.
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a correction or a new plan replaced it
    # At closure: "handed_on" (to whom, in the note) or "left_open" (why, in the note).
    disposition: Mapped[str | None] = mapped_column(String(12))
    disposition_note: Mapped[str | None] = mapped_column(Text)
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    minutes_version: Mapped[MinutesVersion | None] = relationship()
    owner_user: Mapped["User | None"] = relationship(foreign_keys=[owner_id])  # noqa: F821
    owner_agency: Mapped["Agency | None"] = relationship()  # noqa: F821

    def status(self, today: date) -> str:
        if self.done_at is not None:
            return "done"
        return "overdue" if self.due_on < today else "open"
