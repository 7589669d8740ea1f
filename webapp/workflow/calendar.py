"""Working days in England: Monday to Friday less England and Wales bank holidays (substitute days included)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

import holidays

from webapp.columns import LONDON


@lru_cache(maxsize=1)
def _bank_holidays() -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=range(2000, 2061))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays()


def add_working_days(start: date, count: int) -> date:
    """Day 0 is `start`; the result is the `count`-th following working day (DOMAIN.md's convention)."""
    step = 1 if count >= 0 else -1
    day, left = start, abs(count)
    while left:
        day += timedelta(days=step)
        if is_working_day(day):
            left -= 1
    return day


def end_of_day(day: date) -> datetime:
    """The last second of a London day, in UTC: a deadline 'by day N' runs to the end of that day."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=LONDON).astimezone(timezone.utc)
