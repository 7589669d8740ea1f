"""When and why a closed case closed, for the top of its page: the decision that closed it, with the reasons
given, as last corrected. A case handed to child protection shows the decision that handed it on. The closing
decision also gives the census's reason for closure (RC1 ... RC9): a choice naming its `x-closure-reason` (an
assessment's "no further action" is RC8), or the reason the review chose, with the date of death for RC2."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from webapp.cases.models import Case, Stage, StepRecord
from webapp.cases.step_hooks import StepHooks
from webapp.code_lists import code_list
from webapp.columns import LONDON
from webapp.extensions import db
from webapp.workflow import runtime
from webapp.workflow.contract import DiagramNeeds

NEEDS = DiagramNeeds(__name__)
# form key -> (the field holding the decision, the field holding its reasons)
OUTCOME_FORM = NEEDS.form("section17", "assessment_outcome", "a case closed after assessment shows this outcome")
REVIEW_FORM = NEEDS.form("section17", "cin_review", "a case closed at a review shows this decision and its reason")
REFERRAL_DECISION_FORM = NEEDS.form("section17", "referral_decision", "a case closed at referral shows this decision")
CLOSING_DECISIONS = {
    REFERRAL_DECISION_FORM: ("decision", "decision_reasons"),
    OUTCOME_FORM: ("outcome", "outcome_reasons"),
    REVIEW_FORM: ("review_decision", "closure_summary"),
}


@dataclass(frozen=True)
class Closure:
    closed_at: datetime
    stage_label: str  # "Closed" or "Handed to child protection"
    decision: str  # the decision's own title in its form, "" when no decision is recorded
    reasons: str
    record: StepRecord | None  # who decided and when
    census_reason: str = ""  # "RC8: Closed after an assessment: no further action"; "" when not recorded


def closure_of(case_id: int) -> list[Closure]:
    """The case's closure as a one-row list (a case page panel's rows), or [] while the case is open."""
    case = db.session.get(Case, case_id)
    if case is None or case.closed_at is None:
        return []
    record = db.session.scalar(
        select(StepRecord).where(StepRecord.case_id == case_id, StepRecord.form_key.in_(CLOSING_DECISIONS),
                                 StepRecord.completed_at <= case.closed_at)
        .order_by(StepRecord.completed_at.desc(), StepRecord.id.desc()).limit(1))
    label = Stage(case.stage).label
    census = _census_reason(case)
    if record is None:
        return [Closure(case.closed_at, label, "", "", None, census)]
    decision_field, reasons_field = CLOSING_DECISIONS[record.form_key]
    answers = record.current_answers
    schema = runtime.instance_version(case.workflow_instance_id).form_validator(record.form_key).schema
    titles = {choice["const"]: choice["title"] for choice in schema["properties"][decision_field].get("oneOf", [])}
    decision = answers.get(decision_field, "")
    return [Closure(case.closed_at, label, titles.get(decision, str(decision)), answers.get(reasons_field) or "", record,
                    census)]


def _census_reason(case: Case) -> str:
    if not case.closure_reason:
        return ""
    labels = dict(code_list("reason_for_closure", case.closed_at.astimezone(LONDON).date()))
    return f"{case.closure_reason}: {labels.get(case.closure_reason, 'not in this year’s list')}"


def record_closure_reason(case: Case, record: StepRecord, answers: dict, now: datetime) -> None:
    """After a closing decision (or its correction): the census reason its choice or its answer gives."""
    schema = runtime.instance_version(case.workflow_instance_id).form_validator(record.form_key).schema
    decision_field, _ = CLOSING_DECISIONS[record.form_key]
    choice = next((c for c in schema["properties"][decision_field].get("oneOf", [])
                   if c.get("const") == answers.get(decision_field)), {})
    case.closure_reason = choice.get("x-closure-reason") or answers.get("reason_for_closure") or case.closure_reason
    if answers.get("died_on"):
        case.child.died_on = date.fromisoformat(answers["died_on"])


CLOSURE_HOOKS = StepHooks(recorded=record_closure_reason)
