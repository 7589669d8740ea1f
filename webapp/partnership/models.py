"""The partnership's own figures (LOCAL in DOMAIN.md) and the one-off bank holidays an administrator adds."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.columns import UTCDateTime, utc_now
from webapp.extensions import db


class PartnershipSetting(db.Model):
    """A setting changed from its default; settings never changed keep their default (see definitions)."""

    __tablename__ = "partnership_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class ExtraBankHoliday(db.Model):
    """A one-off bank holiday (a coronation, a jubilee) that the holidays package does not know yet."""

    __tablename__ = "extra_bank_holidays"

    on: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
