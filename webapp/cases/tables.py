"""Where features plug into the case pages without `cases` importing them: the case page's sections, the team
dashboard's tables, the steps done on a feature's own page, each feature's part of a subject access export, and
what a feature has booked on a case (what happens next, when no step waits).
Rows come from webapp/wiring.py at start-up; with none installed, the pages show the case's own record only."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from webapp.cases.models import Case


@dataclass(frozen=True)
class CasePanel:
    """One section of the case page, in page order. `rows(case_id)` gives what it lists; `template` shows them
    (it sees `rows`, `case` and `view`). The API reads a panel's rows by `name`. A panel `near_top` is shown
    under the current steps, before the household: what must be seen before anything else."""

    name: str
    template: str
    rows: Callable[[int], list] = lambda case_id: []
    near_top: bool = False


@dataclass(frozen=True)
class DashboardTable:
    """One table of the team dashboard. `rows(visible)` is given the filter of the cases the viewer may see
    (cases.access.visible_cases_filter) and returns tuples, one cell each heading."""

    caption: str
    headings: tuple[str, ...]
    rows: Callable[[object], list]
    empty: str  # what the page says when there are no rows


# A feature's part of a subject access export: (case) -> {file name in the case's folder: JSON-able rows, or bytes}.
SubjectAccessPart = Callable[[Case], dict[str, object]]


@dataclass(frozen=True)
class CaseTables:
    panels: tuple[CasePanel, ...] = ()
    dashboard: tuple[DashboardTable, ...] = ()
    step_pages: dict[str, str] = field(default_factory=dict)  # form key -> endpoint of the page it is done on
    subject_access: tuple[SubjectAccessPart, ...] = ()
    upcoming: tuple[Callable, ...] = ()  # (case_id, now) -> [cases.next_step.Upcoming]: what is booked


_installed = [CaseTables()]


def install_case_tables(tables: CaseTables) -> None:
    _installed[0] = tables


def case_tables() -> CaseTables:
    return _installed[0]
