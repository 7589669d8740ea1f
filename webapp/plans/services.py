"""The CIN plan's actions, tracked like the actions minutes set: each plan written (the first, one amended at a
review, or a correction of the latest) turns its `actions` into CaseAction rows, and the plan before it stops
being what is to be done. Done actions stay done."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from webapp.auth.models import User
from webapp.cases.models import Case, StepRecord
from webapp.extensions import db
from webapp.minutes.models import CaseAction
from webapp.workflow.contract import DiagramNeeds

NEEDS = DiagramNeeds(__name__)
PLAN_FORM = NEEDS.form("section17", "cin_plan", "the plan (first and amended): its PDF, its tracked actions")
PLAN_STEP = NEEDS.element("section17", "cin_plan", "the latest plan's outcomes start the review minutes")


def latest_plan(case_id: int) -> StepRecord | None:
    """The plan the case works to now: its latest plan record."""
    return db.session.scalar(select(StepRecord).where(StepRecord.case_id == case_id, StepRecord.form_key == PLAN_FORM)
                             .order_by(StepRecord.completed_at.desc(), StepRecord.id.desc()).limit(1))


def track_plan_actions(case: Case, record: StepRecord, answers: dict, *, now: datetime) -> list[CaseAction]:
    """Make the plan's actions the case's tracked plan actions: the open ones of earlier versions are replaced;
    an action already done (same text, same date) is not set again. A correction of an older plan, or of a
    plan of a closed case, changes nothing here: neither is what the case works to now."""
    latest = latest_plan(case.id)
    if case.closed_at is not None or latest is None or latest.id != record.id:
        return []
    current = db.session.scalars(select(CaseAction).where(
        CaseAction.case_id == case.id, CaseAction.step_record_id.is_not(None), CaseAction.replaced_at.is_(None),
        CaseAction.disposition.is_(None))).all()
    done = {(action.action, action.due_on) for action in current if action.done_at is not None}
    for action in current:
        if action.done_at is None:
            action.replaced_at = now
    tracked = []
    for row in answers.get("actions") or []:
        text, due_on = str(row.get("action", "")).strip()[:500], _date(row.get("due_on"))
        if not text or due_on is None or (text, due_on) in done:
            continue
        tracked.append(CaseAction(case_id=case.id, step_record_id=record.id, action=text,
                                  owner=str(row.get("owner", "")).strip()[:200], owner_id=_account(row), due_on=due_on))
    db.session.add_all(tracked)
    db.session.flush()
    return tracked


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _account(row: dict) -> int | None:
    """The owner's account (the form offered only the case's people; an account gone since is dropped)."""
    value = row.get("owner_account")
    return value if isinstance(value, int) and db.session.get(User, value) is not None else None
