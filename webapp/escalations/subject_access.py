"""The escalations' part of a subject access export: each professional challenge about the case, its stages,
what was written at each, and the agreed outcome."""
from __future__ import annotations

from webapp.cases.models import Case
from webapp.escalations.services import on_case


def escalations_part(case: Case) -> dict[str, object]:
    return {"escalations.json": [{
        "raised_by": e.raised_by.full_name, "raised_at": e.raised_at, "about": e.about, "category": e.category_label,
        "description": e.description, "risk_now": e.risk_now, "outcome_sought": e.outcome_sought,
        "stages": [{"stage": s.label, "outcome": s.outcome_label} for s in e.stages],
        "entries": [{"by": x.author.full_name, "at": x.written_at, "discussion": x.discussion,
                     "actions": x.actions} for x in e.entries],
        "outcome_statement": e.outcome_statement} for e in sorted(on_case(case.id), key=lambda e: e.id)]}
