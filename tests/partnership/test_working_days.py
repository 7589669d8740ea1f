"""Working days as DOMAIN.md counts them: day 0 is the start; Monday to Friday less bank holidays."""
from datetime import date

import pytest

from webapp.workflow.calendar import add_working_days, working_days_between


@pytest.mark.parametrize("start, count, expected", [
    (date(2025, 12, 19), 5, date(2025, 12, 30)),   # DOMAIN.md: Fri 19 Dec + 5 -> Tue 30 Dec (25, 26 Dec)
    (date(2025, 12, 24), 1, date(2025, 12, 29)),   # DOMAIN.md: Wed 24 Dec + 1 -> Mon 29 Dec
    (date(2025, 12, 19), 10, date(2026, 1, 7)),    # DOMAIN.md: Fri 19 Dec + 10 -> Wed 7 Jan (1 Jan too)
    (date(2026, 4, 2), 1, date(2026, 4, 7)),       # Easter 2026: Good Friday 3 Apr, Easter Monday 6 Apr
    (date(2026, 12, 24), 1, date(2026, 12, 29)),   # 2026: Boxing Day on a Saturday, substitute Mon 28 Dec
    (date(2027, 12, 23), 2, date(2027, 12, 29)),   # 2027: both Christmas days substituted (27, 28 Dec)
    (date(2026, 3, 6), 0, date(2026, 3, 6)),       # day 0 is the start itself
])
def test_counting_forwards(start, count, expected):
    assert add_working_days(start, count) == expected


@pytest.mark.parametrize("start, count, expected", [
    (date(2025, 12, 30), -5, date(2025, 12, 19)),
    (date(2026, 4, 7), -1, date(2026, 4, 2)),
    (date(2026, 1, 5), -3, date(2025, 12, 30)),
])
def test_counting_backwards(start, count, expected):
    assert add_working_days(start, count) == expected


def test_one_off_holidays_count_like_bank_holidays():
    coronation = frozenset({date(2026, 3, 9)})  # a Monday
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)
    assert add_working_days(date(2026, 3, 6), 1, coronation) == date(2026, 3, 10)


def test_working_days_left_and_overdue():
    assert working_days_between(date(2025, 12, 19), date(2025, 12, 30)) == 5
    assert working_days_between(date(2025, 12, 30), date(2025, 12, 19)) == -5
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 2)) == 0
