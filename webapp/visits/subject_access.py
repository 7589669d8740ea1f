"""The visits' part of a subject access export: every visit recorded on the case."""
from __future__ import annotations

from sqlalchemy import select

from webapp.cases.models import Case
from webapp.extensions import db
from webapp.visits.models import Visit


def visits_part(case: Case) -> dict[str, object]:
    visits = db.session.scalars(select(Visit).where(Visit.case_id == case.id).order_by(Visit.visited_on, Visit.id))
    return {"visits.json": [
        {"visited_on": v.visited_on.isoformat(), "child_seen": v.is_child_seen, "seen_alone": v.is_seen_alone,
         "bedroom_seen": v.is_bedroom_seen, "note": v.note, "recorded_by": v.recorded_by.full_name,
         "recorded_at": v.recorded_at} for v in visits]}
