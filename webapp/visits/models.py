"""A visit to the child, as recorded (never edited in place), and each case's visiting schedule: a derived row,
kept whenever a visit is recorded or a plan written, amended or corrected, so that lists and the worker find the
visits due with one indexed query instead of reading every plan."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.columns import UTCDateTime, utc_now
from webapp.extensions import db


class Visit(db.Model):
    __tablename__ = "visits"
    # The date the child was last seen (Annex A) and the schedule's count both read a case's latest seen visit.
    __table_args__ = (Index("ix_visits_case_seen_on", "case_id", "is_child_seen", "visited_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    visited_on: Mapped[date]
    is_child_seen: Mapped[bool]
    is_seen_alone: Mapped[bool | None]  # asked only when the child was seen
    is_bedroom_seen: Mapped[bool]
    note: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    recorded_by: Mapped["User"] = relationship()  # noqa: F821


class VisitSchedule(db.Model):
    """How often the case's current plan says the child is seen, and by when the next visit is due: counted from
    the last visit the child was seen on (from the plan's start when none since). Only cases whose plan gives a
    frequency the service counts have one."""

    __tablename__ = "visit_schedules"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    frequency: Mapped[str] = mapped_column(String(40))  # the plan's visiting_frequency
    plan_started_on: Mapped[date]
    last_seen_on: Mapped[date | None]
    due_on: Mapped[date] = mapped_column(index=True)
    alerted_for_on: Mapped[date | None]  # the due date the team was last alerted about: once per due date
