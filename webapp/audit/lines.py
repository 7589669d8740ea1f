"""Audit rows as people read them: who (a person's name, or what the service did of itself), what happened in
words, and the records it was about, each described once per page (webapp/audit/records.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from webapp.audit.models import AuditEvent
from webapp.audit.records import describe_records, detail_records
from webapp.audit.refusals import ACTION as REFUSED, refusal_counts
from webapp.audit.wording import SERVICE_ACTORS, action_words, reason_words

_STATUS_WORDS = {403: "not allowed", 404: "not found"}


@dataclass(frozen=True)
class AuditLine:
    id: int
    occurred_at: datetime
    who: str
    what: str
    subject: str | None  # the row's own record ("Case CIN-000012"); none for a sign-in failure, a setting
    others: tuple[str, ...]  # the records its detail names ("Initial child in need meeting on 3 December 2026")
    ip_address: str

    @property
    def records(self) -> tuple[str, ...]:
        return ((self.subject,) if self.subject else ()) + self.others


def audit_lines(rows: Sequence[AuditEvent]) -> list[AuditLine]:
    """One line a row, in the rows' order."""
    counts = refusal_counts([row.id for row in rows if row.action == REFUSED])
    wanted = {("users", row.actor_id) for row in rows if row.actor_id is not None}
    for row in rows:
        wanted.add((row.subject_type, row.subject_id))
        wanted.update(detail_records(row.detail))
    words = describe_records(wanted)
    lines = []
    for row in rows:
        subject = words.get((row.subject_type, row.subject_id))
        others = tuple(dict.fromkeys(words[record] for record in detail_records(row.detail)
                                     if record != (row.subject_type, row.subject_id)))
        lines.append(AuditLine(row.id, row.occurred_at, _who(row, words), _what(row, counts.get(row.id)), subject,
                               others, row.ip_address or ""))
    return lines


def _who(row: AuditEvent, words: dict) -> str:
    if row.actor_id is not None and ("users", row.actor_id) in words:
        return words[("users", row.actor_id)]
    return SERVICE_ACTORS.get(row.actor_label, row.actor_label)


def _what(row: AuditEvent, refusals: int | None) -> str:
    detail = row.detail if isinstance(row.detail, dict) else {}
    what = action_words(row.action)
    if detail.get("reason"):
        what += f" ({reason_words(detail['reason'])})"
    if row.action == REFUSED and refusals is not None:
        status = detail.get("status")
        what += (f": {_STATUS_WORDS.get(status, status)} ({status}), {detail.get('path', '')}, "
                 f"{refusals} time{'s' if refusals != 1 else ''} in that minute")
    return what
