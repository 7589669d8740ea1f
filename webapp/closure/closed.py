"""When and why a closed case closed, for the top of its page: the decision that closed it, with the reasons
given, as last corrected. A case handed to child protection shows the decision that handed it on."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from webapp.cases.models import Case, Stage, StepRecord
from webapp.extensions import db
from webapp.workflow import runtime
from webapp.workflow.contract import DiagramNeeds

NEEDS = DiagramNeeds(__name__)
# form key -> (the field holding the decision, the field holding its reasons)
CLOSING_DECISIONS = {
    NEEDS.form("section17", "referral_decision", "a case closed at referral shows this decision"):
        ("decision", "decision_reasons"),
    NEEDS.form("section17", "assessment_outcome", "a case closed after assessment shows this outcome"):
        ("outcome", "outcome_reasons"),
    NEEDS.form("section17", "cin_review", "a case closed at a review shows this decision"):
        ("review_decision", "closure_summary"),
}


@dataclass(frozen=True)
class Closure:
    closed_at: datetime
    stage_label: str  # "Closed" or "Handed to child protection"
    decision: str  # the decision's own title in its form, "" when no decision is recorded
    reasons: str
    record: StepRecord | None  # who decided and when


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
    if record is None:
        return [Closure(case.closed_at, label, "", "", None)]
    decision_field, reasons_field = CLOSING_DECISIONS[record.form_key]
    answers = record.current_answers
    schema = runtime.instance_version(case.workflow_instance_id).form_validator(record.form_key).schema
    titles = {choice["const"]: choice["title"] for choice in schema["properties"][decision_field].get("oneOf", [])}
    decision = answers.get(decision_field, "")
    return [Closure(case.closed_at, label, titles.get(decision, str(decision)), answers.get(reasons_field) or "", record)]
