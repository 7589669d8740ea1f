"""The statutory returns for the people who send them: which census years can be made, and the census written to
a temporary file (streamed from there, so a council's return never sits in memory), audited."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, datetime

from webapp.audit.services import Origin, record_event
from webapp.code_lists import year_ending
from webapp.columns import LONDON
from webapp.errors import InvalidInput
from webapp.partnership.services import setting_value
from webapp.returns.access import require_returns_maker
from webapp.returns.census import CensusSource, period, write_census

YEARS_OFFERED = 3  # this census year and the two before it (a return is sometimes resubmitted)


@dataclass(frozen=True)
class CensusYear:
    year: int  # the year the collection ends
    starts: date
    ends: date


def census_years(actor, today: date) -> list[CensusYear]:
    require_returns_maker(actor)
    current = year_ending(today)
    return [CensusYear(year, *period(year)) for year in range(current, current - YEARS_OFFERED, -1)]


def la_code() -> str | None:
    code = int(setting_value("la_code"))
    return f"{code:03d}" if code else None


def census_file(actor, year: int, *, origin: Origin, now: datetime):
    """The census for the year ending 31 March `year`, in a temporary file at its start; audited with the count."""
    offered = {y.year for y in census_years(actor, now.astimezone(LONDON).date())}
    if year not in offered:
        raise InvalidInput("No census was made", {"year": "Select one of the census years shown"})
    code = la_code()
    if code is None:
        raise InvalidInput("No census was made", {"year": "An administrator must set the council's LA code on the "
                                                          "Settings page first: the census names it"})
    out = tempfile.TemporaryFile()
    count = write_census(out, year, CensusSource(code), now=now)
    out.seek(0)
    record_event("returns.census_exported", actor=actor, origin=origin, detail={"year": year, "children": count})
    return out
