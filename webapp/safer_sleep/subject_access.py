"""The safer-sleep part of a subject access export: every assessment recorded on the case."""
from __future__ import annotations

from sqlalchemy import select

from webapp.cases.models import Case
from webapp.extensions import db
from webapp.safer_sleep.models import SaferSleepAssessment


def assessments_part(case: Case) -> dict[str, object]:
    sleep = db.session.scalars(select(SaferSleepAssessment).where(SaferSleepAssessment.case_id == case.id)
                               .order_by(SaferSleepAssessment.id))
    return {"safer_sleep.json": [
        {"recorded_by": a.recorded_by.full_name, "agency": a.agency.name if a.agency else None,
         "recorded_at": a.recorded_at, "answers": a.answers} for a in sleep]}
