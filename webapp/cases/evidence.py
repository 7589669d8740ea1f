"""What a decision is made on, shown beside its form so the decider need not leave it: the referral beside the
referral decision, with the household (brothers' and sisters' cases as the decider may know them) and the child's
earlier referrals; the assessment (as corrected, the rework's if there was one) beside its review and the outcome."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from webapp.cases.choices import choice_provider
from webapp.cases.access import can_see
from webapp.cases.households import Sibling, siblings_of
from webapp.cases.models import Case, StepRecord
from webapp.extensions import db
from webapp.shell.schema_forms import describe_answers
from webapp.workflow import runtime
from webapp.workflow.contract import DiagramNeeds

NEEDS = DiagramNeeds(__name__)
_REFERRAL = (NEEDS.element("section17", "record_referral", "the referral shown beside the referral decision"),)
_ASSESSMENT = tuple(NEEDS.element("section17", step, "the assessment shown beside its review and the outcome")
                    for step in ("assessment", "assessment_rework"))
REFERRAL_DECISION = NEEDS.form("section17", "referral_decision", "decided beside the referral and the household")
EVIDENCE = {
    REFERRAL_DECISION: ("The referral", _REFERRAL),
    NEEDS.form("section17", "assessment_review", "reviewed beside the assessment"): ("The assessment", _ASSESSMENT),
    NEEDS.form("section17", "assessment_outcome", "decided beside the assessment"): ("The assessment", _ASSESSMENT),
}


@dataclass
class Evidence:
    heading: str
    record: StepRecord
    answers: list[tuple[str, str]]  # (question, answer) in the form's order, as the case history shows them
    with_household: bool = False
    siblings: list[Sibling] = field(default_factory=list)
    earlier: list[tuple[Case, bool]] = field(default_factory=list)  # the child's other cases, newest first; visible?


def evidence_for(actor, case: Case, form_key: str | None) -> Evidence | None:
    """The record a step's decision is made on, or None for a step that decides on nothing recorded."""
    if form_key not in EVIDENCE:
        return None
    heading, steps = EVIDENCE[form_key]
    record = db.session.scalar(select(StepRecord).where(StepRecord.case_id == case.id, StepRecord.bpmn_id.in_(steps))
                               .order_by(StepRecord.completed_at.desc(), StepRecord.id.desc()).limit(1))
    if record is None:
        return None
    schema = runtime.instance_version(case.workflow_instance_id).form_validator(record.form_key).schema
    evidence = Evidence(heading, record, describe_answers(schema, record.current_answers,
                                                          choice_provider(case.team_id, case.id)))
    if form_key == REFERRAL_DECISION:
        evidence.with_household = True
        evidence.siblings = siblings_of(actor, case)
        evidence.earlier = [(other, can_see(actor, other)) for other in
                            sorted(case.child.cases, key=lambda c: c.opened_at, reverse=True) if other.id != case.id]
    return evidence
