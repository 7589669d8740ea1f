"""Safer-sleep assessments of a baby under 1 (or unborn): each one a new row, never edited in place."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.columns import UTCDateTime, utc_now
from webapp.extensions import db


class SaferSleepAssessment(db.Model):
    __tablename__ = "safer_sleep_assessments"
    __table_args__ = (Index("ix_safer_sleep_assessments_case_recorded", "case_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    answers: Mapped[dict] = mapped_column(JSON)  # webapp/safer_sleep/assessment_schema.json
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))  # the recorder's, if not social care
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("information_requests.id"))

    recorded_by: Mapped["User"] = relationship()  # noqa: F821
    agency: Mapped["Agency | None"] = relationship()  # noqa: F821
    request: Mapped["InformationRequest | None"] = relationship()  # noqa: F821
