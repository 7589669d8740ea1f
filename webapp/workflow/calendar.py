"""Working days in England: Monday to Friday less England and Wales bank holidays (substitute days included),
plus any one-off bank holidays the partnership's administrator has added."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

import holidays

from webapp.columns import LONDON


@lru_cache(maxsize=1)
def _bank_holidays() -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=range(2000, 2061))


def is_working_day(day: date, extra_holidays: frozenset[date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays() and day not in extra_holidays


def add_working_days(start: date, count: int, extra_holidays: frozenset[date] = frozenset()) -> date:
    """Day 0 is `start`; the result is the `count`-th following working day (DOMAIN.md's convention);
    a negative count goes back."""
    step = 1 if count >= 0 else -1
    day, left = start, abs(count)
    while left:
        day += timedelta(days=step)
        if is_working_day(day, extra_holidays):
            left -= 1
    return day


def working_days_between(start: date, end: date, extra_holidays: frozenset[date] = frozenset()) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier): 'days left'."""
    if end < start:
        return -working_days_between(end, start, extra_holidays)
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=n), extra_holidays))


def end_of_day(day: date) -> datetime:
    """The last second of a London day, in UTC: a deadline 'by day N' runs to the end of that day."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=LONDON).astimezone(timezone.utc)
