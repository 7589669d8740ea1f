"""Contact or referral. Everything the front door receives is a contact; its decision says whether it became a
referral (the Children in Need census counts referrals only, Annex A lists contacts and referrals apart). Which
choices mean which is data in the decision form: each choice names its `x-front-door` outcome."""
from __future__ import annotations

from datetime import datetime

from webapp.cases.models import Case, StepRecord
from webapp.cases.step_hooks import StepHooks
from webapp.workflow import runtime
from webapp.workflow.contract import DiagramNeeds

NEEDS = DiagramNeeds(__name__)
DECISION_FORM = NEEDS.form("section17", "referral_decision", "its choices say whether the contact became a referral")
CONTACT, REFERRAL, REFERRAL_NFA, NOT_RECORDED = "contact", "referral", "referral_nfa", "not_recorded"
OUTCOME_WORDS = {
    None: "Waiting for the front door's decision",
    CONTACT: "A contact: it did not become a referral",
    REFERRAL: "A referral",
    REFERRAL_NFA: "A referral, with no further action",
    NOT_RECORDED: "Not recorded (decided before contacts and referrals were told apart)",
}


def outcome_of(schema: dict, decision: str | None) -> str | None:
    """The front-door outcome the decision form gives a choice (x-front-door), or None for an unknown choice."""
    choices = schema.get("properties", {}).get("decision", {}).get("oneOf", [])
    return next((choice.get("x-front-door") for choice in choices if choice.get("const") == decision), None)


def record_front_door_outcome(case: Case, record: StepRecord, answers: dict, now: datetime) -> None:
    schema = runtime.instance_version(case.workflow_instance_id).form_validator(record.form_key).schema
    case.front_door_outcome = outcome_of(schema, answers.get("decision")) or NOT_RECORDED


FRONT_DOOR_HOOKS = StepHooks(recorded=record_front_door_outcome)
