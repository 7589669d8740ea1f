"""GOV.UK date inputs read from a query string or form, with GOV.UK's messages for each way a date goes wrong."""
from datetime import date

import pytest

from webapp.shell.date_input import filled, read_date, read_date_range


def typed(day="", month="", year="", name="from"):
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


@pytest.mark.parametrize("day, month, year, value", [
    ("3", "12", "2026", date(2026, 12, 3)), (" 03 ", "12", "2026", date(2026, 12, 3)),
    ("3", "Dec", "2026", date(2026, 12, 3)), ("3", "december", "2026", date(2026, 12, 3)),
    ("29", "2", "2028", date(2028, 2, 29)),
])
def test_a_real_date_is_read(day, month, year, value):
    found = read_date(typed(day, month, year), "from", "the start date")
    assert (found.value, found.error, found.wrong) == (value, None, ())


@pytest.mark.parametrize("day, month, year, message, wrong", [
    ("", "12", "2026", "The start date must include a day", ("day",)),
    ("3", "", "", "The start date must include a month and year", ("month", "year")),
    ("29", "2", "2026", "The start date must be a real date", ("day",)),
    ("3", "13", "2026", "The start date must be a real date", ("month",)),
    ("³", "12", "2026", "The start date must be a real date", ("day",)),
    ("3", "12", "26", "The year of the start date must include 4 numbers", ("year",)),
    ("3", "12", "1826", "The start date must be a real date", ("year",)),
    ("3", "12", "9999", "The start date must be a real date", ("year",)),
])
def test_a_date_that_is_not_one_is_refused_with_the_fields_at_fault(day, month, year, message, wrong):
    found = read_date(typed(day, month, year), "from", "the start date")
    assert (found.value, found.error, found.wrong) == (None, message, wrong)
    assert found.error_href == f"#from-{wrong[0]}"
    assert found.query() == {key: value.strip() for key, value in typed(day, month, year).items() if value}


def test_nothing_typed_is_no_date_and_no_error():
    found = read_date({}, "from", "the start date")
    assert (found.value, found.error, found.is_empty, found.query()) == (None, None, True, {})


def test_the_end_of_a_range_is_the_same_as_or_after_its_start():
    start, end = read_date_range(typed("3", "6", "2026") | typed("2", "6", "2026", name="to"),
                                 ("from", "the start date"), ("to", "the end date"))
    assert start.value == date(2026, 6, 3) and end.value is None
    assert end.error == "The end date must be the same as or after 3 June 2026"
    same = read_date_range(typed("3", "6", "2026") | typed("3", "6", "2026", name="to"),
                           ("from", "the start date"), ("to", "the end date"))
    assert [field.value for field in same] == [date(2026, 6, 3)] * 2
    assert filled("to", date(2026, 6, 3)).query() == {"to-day": "3", "to-month": "6", "to-year": "2026"}
