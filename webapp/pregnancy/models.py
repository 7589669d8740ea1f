"""Pregnancy notifications: what a midwife tells health visiting, and what children's social care links."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.columns import UTCDateTime, utc_now
from webapp.extensions import db


class HouseholdMatch(str, enum.Enum):
    """Whether the mother may belong to a household children's social care knows, and what a worker decided."""

    NONE = "none"  # no known household at her postcode holds her name
    PENDING = "pending"  # one may: a social worker decides
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class PregnancyNotification(db.Model):
    __tablename__ = "pregnancy_notifications"
    __table_args__ = (Index("ix_pregnancy_notifications_match", "household_match"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    midwifery_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    health_visiting_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    notified_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    mother_name: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(10), index=True)
    expected_delivery_on: Mapped[date] = mapped_column(Date)
    details: Mapped[dict] = mapped_column(JSON)  # the notification as the midwife wrote it
    workflow_instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"))
    chased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledgement: Mapped[dict | None] = mapped_column(JSON)
    household_match: Mapped[str] = mapped_column(String(16), default=HouseholdMatch.NONE.value)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    unborn_child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"))
    match_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    match_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    midwifery_agency: Mapped["Agency"] = relationship(foreign_keys=[midwifery_agency_id])  # noqa: F821
    health_visiting_agency: Mapped["Agency"] = relationship(foreign_keys=[health_visiting_agency_id])  # noqa: F821
    notified_by: Mapped["User"] = relationship(foreign_keys=[notified_by_id])  # noqa: F821
    acknowledged_by: Mapped["User | None"] = relationship(foreign_keys=[acknowledged_by_id])  # noqa: F821
    match_decided_by: Mapped["User | None"] = relationship(foreign_keys=[match_decided_by_id])  # noqa: F821
    household: Mapped["Household | None"] = relationship()  # noqa: F821

    @property
    def reference(self) -> str:
        """Quoted in e-mails instead of the mother's name."""
        return f"PN-{self.id:06d}"

    @property
    def status(self) -> str:
        if self.acknowledged_at:
            return "Acknowledged"
        if self.escalated_at:
            return "Escalated to the safeguarding lead"
        if self.chased_at:
            return "Chased"
        return "Awaiting acknowledgement"
