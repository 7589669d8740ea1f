"""Dates typed into GOV.UK's date input (day, month and year in three fields, named `<name>-day` and so on), read
from a query string or form and checked with GOV.UK's error messages: "The start date must include a month",
"The start date must be a real date", "The end date must be the same as or after 3 March 2026". A date with an
error has no value, so a caller filters on nothing it could not read. Templates draw them with the `date_input`
macro in templates/macros/date_input.html."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Mapping

from webapp.shell.wording import capitalised

PARTS = ("day", "month", "year")
# A year outside these is a slip of the keyboard (0226, 2206), and the last day of 9999 has no day after it.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199
_MONTHS = {name: number for number, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}


@dataclass(frozen=True)
class DateInput:
    """One date as typed: the three fields, the date when they make one, or the error and the fields it is about."""

    name: str
    day: str = ""
    month: str = ""
    year: str = ""
    value: date | None = None
    error: str | None = None
    wrong: tuple[str, ...] = field(default=())  # the parts to mark ("day", "month", "year")

    @property
    def is_empty(self) -> bool:
        return not (self.day or self.month or self.year)

    @property
    def error_href(self) -> str:
        """Where the error summary's link goes: the first field at fault."""
        return f"#{self.name}-{(self.wrong or PARTS)[0]}"

    def query(self) -> dict[str, str]:
        """The fields as typed, for a link that keeps them (paging, a download of the same figures)."""
        return {f"{self.name}-{part}": getattr(self, part) for part in PARTS if getattr(self, part)}


def filled(name: str, value: date) -> DateInput:
    """A date input showing a date the page chose (a default range)."""
    return DateInput(name, str(value.day), str(value.month), str(value.year), value)


def read_date(values: Mapping[str, str], name: str, phrase: str) -> DateInput:
    """The date typed into `<name>-day`, `-month` and `-year`; `phrase` names it in messages ("the start date").
    Nothing typed is no date and no error: the caller decides whether one is needed."""
    day, month, year = (str(values.get(f"{name}-{part}", "")).strip()[:20] for part in PARTS)
    typed = DateInput(name, day, month, year)
    if typed.is_empty:
        return typed
    missing = tuple(part for part, text in zip(PARTS, (day, month, year)) if not text)
    if missing:
        return _refused(typed, f"{capitalised(phrase)} must include a {' and '.join(missing)}", missing)
    numbers = {"day": _number(day), "month": _MONTHS.get(month.lower().rstrip("."), _number(month)),
               "year": _number(year)}
    unreadable = tuple(part for part in PARTS if numbers[part] is None)
    if unreadable:
        return _refused(typed, f"{capitalised(phrase)} must be a real date", unreadable)
    if len(year) != 4:
        return _refused(typed, f"The year of {phrase} must include 4 numbers", ("year",))
    if not EARLIEST_YEAR <= numbers["year"] <= LATEST_YEAR:
        return _refused(typed, f"{capitalised(phrase)} must be a real date", ("year",))
    try:
        value = date(numbers["year"], numbers["month"], numbers["day"])
    except ValueError:
        wrong = ("month",) if not 1 <= numbers["month"] <= 12 else ("day",)
        return _refused(typed, f"{capitalised(phrase)} must be a real date", wrong)
    return DateInput(name, day, month, year, value)


def read_date_range(values: Mapping[str, str], start: tuple[str, str], end: tuple[str, str]
                    ) -> tuple[DateInput, DateInput]:
    """Two dates, each (field name, phrase), the second the same as or after the first; either may be left empty."""
    first, last = read_date(values, *start), read_date(values, *end)
    if first.value is not None and last.value is not None and last.value < first.value:
        message = f"{capitalised(end[1])} must be the same as or after {first.value.strftime('%-d %B %Y')}"
        last = _refused(last, message, PARTS)
    return first, last


def _number(text: str) -> int | None:
    # isdecimal, not isdigit: "³" is a digit that int() refuses
    return int(text) if text.isascii() and text.isdecimal() else None


def _refused(typed: DateInput, message: str, wrong: tuple[str, ...]) -> DateInput:
    return DateInput(typed.name, typed.day, typed.month, typed.year, None, message, wrong)
