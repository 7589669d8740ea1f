"""The plan's step hooks: each plan written (the first, one amended at a review, or a correction) is kept as a
PDF and its actions become the case's tracked actions."""
from __future__ import annotations

from datetime import datetime

from webapp.cases.models import Case, StepRecord
from webapp.cases.step_hooks import StepHooks
from webapp.documents.services import queue_document
from webapp.plans.services import track_plan_actions
from webapp.plans.document import PLAN_DOCUMENT


def plan_recorded(case: Case, record: StepRecord, answers: dict, now: datetime) -> None:
    title = f"Child in need plan {case.reference}" + (" (corrected)" if record.corrections else "")
    queue_document(case.id, PLAN_DOCUMENT, record.id, title, now)
    track_plan_actions(case, record, answers, now=now)


PLAN_HOOKS = StepHooks(recorded=plan_recorded)
