"""Column types shared by every domain package, and how times are read and shown."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and always returns them aware (SQLite would return them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware UTC datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def utc_now() -> datetime:
    """The current time, aware, in UTC (moved by time-machine in tests)."""
    return datetime.now(timezone.utc)


LONDON = ZoneInfo("Europe/London")


def london_time(value: datetime | None) -> str:
    """An aware UTC datetime shown in Europe/London, as people in England read it."""
    return value.astimezone(LONDON).strftime("%-d %b %Y %H:%M") if value else ""


def time_span(start: datetime, end: datetime) -> str:
    """A meeting's time in Europe/London: "3 December 2026, 16:25 to 17:25", the day given once when it is one."""
    start, end = start.astimezone(LONDON), end.astimezone(LONDON)
    first = start.strftime("%-d %B %Y, %H:%M")
    return f"{first} to {end.strftime('%H:%M' if end.date() == start.date() else '%-d %B %Y, %H:%M')}"


def age_on(born: date, today: date) -> str:
    """A child's age as practitioners say it: weeks under two months, months under two years, then years."""
    months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
    if months < 2:
        weeks = max((today - born).days // 7, 0)
        return f"{weeks} week{'s' if weeks != 1 else ''} old"
    if months < 24:
        return f"{months} months old"
    return f"{months // 12} years old"


def long_date(value) -> str:
    """A date (or an ISO date string) as people in England write it: 16 March 2026."""
    if not value:
        return ""
    value = date.fromisoformat(value) if isinstance(value, str) else value
    return value.strftime("%-d %B %Y")
