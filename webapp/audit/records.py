"""What an audit row is about, in words: "Case CIN-000012", "Initial child in need meeting on 3 December 2026",
"Information request to Riverside Primary School". The audit package sits below the features and cannot read their
records, so webapp/wiring.py gives it one describer per subject type: a function from a set of ids to their
words, called once per type for a whole page of rows (one query per type, never one per row)."""
from __future__ import annotations

from typing import Callable, Collection, Iterable, Mapping

Describer = Callable[[Collection[int]], Mapping[int, str]]

# Details that name a record of another type beside the row's subject: a meeting's rows are filed on its case.
DETAIL_RECORDS = {"meeting_id": "meetings", "escalation_id": "escalations", "request_id": "information_requests",
                  "notification_id": "pregnancy_notifications"}

_installed: dict[str, Describer] = {}


def install_record_describers(table: Mapping[str, Describer]) -> None:
    _installed.clear()
    _installed.update(table)


def describe_records(wanted: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """Words for each (subject type, id): each type's describer is asked once for all its ids; a type without
    one, or a record no longer there, reads as its type and number."""
    by_type: dict[str, set[int]] = {}
    for subject_type, subject_id in wanted:
        if subject_type and isinstance(subject_id, int):
            by_type.setdefault(subject_type, set()).add(subject_id)
    words = {}
    for subject_type, ids in by_type.items():
        describer = _installed.get(subject_type)
        found = describer(ids) if describer is not None else {}
        for subject_id in ids:
            words[(subject_type, subject_id)] = found.get(subject_id) or plain_record(subject_type, subject_id)
    return words


def plain_record(subject_type: str, subject_id: int) -> str:
    """"Outbox message 12" from ("outbox_messages", 12): readable when no describer knows the record."""
    noun = subject_type.replace("_", " ").strip()
    noun = noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun
    return f"{noun[:1].upper()}{noun[1:]} {subject_id}"


def detail_records(detail: Mapping | None) -> list[tuple[str, int]]:
    """The other records a row's detail names, as (subject type, id), in DETAIL_RECORDS' order."""
    detail = detail if isinstance(detail, Mapping) else {}
    return [(subject_type, detail[key]) for key, subject_type in DETAIL_RECORDS.items()
            if isinstance(detail.get(key), int) and not isinstance(detail.get(key), bool)]
