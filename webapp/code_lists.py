"""The statutory returns' code lists, as data: one file per collection year in workflows/code_lists/ (the Children
in Need census year runs 1 April to 31 March; "2026-27.json"). A record is coded from the list of the year it is
recorded in; a new year's file is added beside the old ones, which stay for the returns of their years."""
from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path

CODE_LISTS = Path(__file__).resolve().parent.parent / "workflows" / "code_lists"


def year_ending(on: date) -> int:
    """The year whose 31 March ends the collection year `on` falls in (2027 from 1 April 2026 to 31 March 2027)."""
    return on.year + 1 if (on.month, on.day) >= (4, 1) else on.year


def collection_year(on: date) -> str:
    """"2026-27" for any day from 1 April 2026 to 31 March 2027."""
    end = year_ending(on)
    return f"{end - 1}-{str(end)[2:]}"


@lru_cache(maxsize=None)
def _year_file(year: str) -> dict:
    return json.loads((CODE_LISTS / f"{year}.json").read_text(encoding="utf-8"))


def years() -> list[str]:
    return sorted(path.stem for path in CODE_LISTS.glob("*.json"))


def code_list(name: str, on: date) -> list[tuple[str, str]]:
    """(code, label) pairs of list `name` for the year `on` falls in: that year's file, else the latest earlier one
    (a new year's lists are often unchanged), else the earliest."""
    wanted = collection_year(on)
    known = years()
    year = max((y for y in known if y <= wanted), default=known[0])
    lists = _year_file(year)["lists"]
    chosen = lists[name]
    if isinstance(chosen, dict):  # some codes of another list, in its words: {"codes_of": list, "codes": [...]}
        labels = {item["code"]: item["label"] for item in lists[chosen["codes_of"]]}
        return [(code, labels[code]) for code in chosen["codes"]]
    return [(item["code"], item["label"]) for item in chosen]
