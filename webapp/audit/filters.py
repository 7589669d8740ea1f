"""The administrators' audit trail filters, read from the query string: a person, a case, a kind of event and a
date range (GOV.UK date inputs). A value that cannot be read is refused with a message and filters nothing; what
is kept goes into every page link, so paging keeps the filters."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Mapping

from webapp.audit.wording import ACTION_WORDS, AREAS_BY_KEY, action_words
from webapp.columns import LONDON
from webapp.references import case_id_from_reference, case_reference
from webapp.shell.date_input import DateInput, read_date_range

AREA_PREFIX = "area:"
LARGEST_ID = 2**31 - 1  # subject_id is a 32-bit integer on PostgreSQL
START, END = ("from", "the start date"), ("to", "the end date")


@dataclass(frozen=True)
class AuditFilters:
    person: str = ""
    case: str = ""  # as typed
    kind: str = ""  # an action code, or "area:<key>" for every action of an area
    start: DateInput = field(default_factory=lambda: DateInput(START[0]))
    end: DateInput = field(default_factory=lambda: DateInput(END[0]))
    case_id: int | None = None
    errors: tuple[tuple[str, str], ...] = ()  # (message, the field's id) for the error summary
    case_error: str | None = None

    @property
    def actions(self) -> tuple[str, ...]:
        if self.kind.startswith(AREA_PREFIX):
            return tuple(AREAS_BY_KEY[self.kind.removeprefix(AREA_PREFIX)].actions)
        return (self.kind,) if self.kind else ()

    @property
    def since(self) -> datetime | None:
        """The first moment shown: the start date's midnight in London."""
        return _midnight(self.start.value) if self.start.value else None

    @property
    def before(self) -> datetime | None:
        """The first moment not shown: the midnight after the end date, in London."""
        return _midnight(self.end.value + timedelta(days=1)) if self.end.value else None

    def query(self) -> dict[str, str]:
        """The filters as typed, for the page links (a refused value is kept so that it stays in its field)."""
        values = {"person": self.person, "case": self.case, "kind": self.kind}
        return {name: value for name, value in values.items() if value} | self.start.query() | self.end.query()

    def in_words(self) -> list[str]:
        """What the rows shown are filtered by, as the page says it (refused values left out: they filter nothing)."""
        said = []
        if self.person:
            said.append(f"person “{self.person}”")
        if self.case_id is not None:
            said.append(f"case {case_reference(self.case_id)}")
        if self.kind:
            area = AREAS_BY_KEY.get(self.kind.removeprefix(AREA_PREFIX))
            said.append(f"“{area.name}”" if self.kind.startswith(AREA_PREFIX) and area else f"“{action_words(self.kind)}”")
        if self.start.value:
            said.append(f"from {self.start.value:%-d %B %Y}")
        if self.end.value:
            said.append(f"to {self.end.value:%-d %B %Y}")
        return said

    def used(self) -> dict:
        """The filters applied, for the audit row of the look itself."""
        used = {"person": self.person or None, "case_id": self.case_id, "kind": self.kind or None,
                "from": self.start.value.isoformat() if self.start.value else None,
                "to": self.end.value.isoformat() if self.end.value else None}
        return {name: value for name, value in used.items() if value is not None}


def read_filters(args: Mapping[str, str]) -> AuditFilters:
    """The filters in a query string; a kind not in the list is ignored (only a hand-made link sends one)."""
    person = str(args.get("person", "")).strip()[:120]
    case = str(args.get("case", "")).strip()[:40]
    kind = str(args.get("kind", "")).strip()
    if kind not in ACTION_WORDS and not (kind.startswith(AREA_PREFIX) and kind.removeprefix(AREA_PREFIX) in AREAS_BY_KEY):
        kind = ""
    start, end = read_date_range(args, START, END)
    case_id = case_id_from_reference(case) if case else None
    case_id = case_id if case_id is not None and case_id <= LARGEST_ID else None
    case_error = "Enter a case reference like CIN-000012" if case and case_id is None else None
    errors = tuple((message, href) for message, href in (
        (case_error, "#case"), (start.error, start.error_href), (end.error, end.error_href)) if message)
    if start.error or end.error:
        # One bad date filters on neither: half a range would show rows the person did not ask for.
        start, end = _without_value(start), _without_value(end)
    return AuditFilters(person, case, kind, start, end, case_id, errors, case_error)


def _without_value(typed: DateInput) -> DateInput:
    return DateInput(typed.name, typed.day, typed.month, typed.year, None, typed.error, typed.wrong)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)
