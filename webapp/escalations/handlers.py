"""What the professional resolution diagram asks of the escalations domain: open a stage, name its holders,
set its deadline and tell them (closing the stage before it, when its deadline passed)."""
from __future__ import annotations

from datetime import datetime

from webapp.columns import LONDON
from webapp.escalations.models import FINAL_STAGE, Escalation, EscalationStage
from webapp.escalations.holders import holders, tell
from webapp.extensions import db
from webapp.workflow.expressions import setting, working_days_after
from webapp.workflow.handlers import ServiceCall

STAGE_NUMBERS = frozenset({"1", "2", "3", "4"})
WHY_NEXT_STAGE = {
    "deadline_passed": " because the deadline of the stage before passed",
    "not_confirmed": " because the outcome statement was not confirmed by the stage's deadline",
    "disagreed": " because the side that raised it did not agree the outcome statement",
    "escalated": " because the side that raised it is not satisfied",
}


def start_escalation_stage(call: ServiceCall) -> dict:
    escalation = db.session.get(Escalation, call.subject_id)
    number, now = int(call.properties["stage"]), call.now
    today = now.astimezone(LONDON).date().isoformat()
    previous = escalation.stages[-1] if escalation.stages else None
    if previous is not None and previous.closed_at is None:  # its deadline passed, perhaps with a statement unconfirmed
        previous.closed_at = now
        previous.outcome = "not_confirmed" if previous.proposed_statement is not None else "deadline_passed"
    raiser_side, case_side = holders(escalation, number)
    # The stage timer arms only after this step, from `stage_started_on` and the same setting: the mail gives
    # that date; pages read the timer itself (`EscalationStage.due`), so a re-arm moves what they show.
    due = None if number == FINAL_STAGE else datetime.fromisoformat(
        working_days_after(today, setting(f"escalation_stage_{number}_working_days")))
    stage = EscalationStage(number=number, raiser_holder=raiser_side, responder_holder=case_side, started_at=now)
    escalation.stages.append(stage)
    escalation.stage = number
    db.session.flush()
    why = "" if previous is None else WHY_NEXT_STAGE.get(previous.outcome, WHY_NEXT_STAGE["escalated"])
    tell([p for p in (raiser_side, case_side) if p is not None], escalation,
         f"Escalation at stage {number}: case {escalation.case.reference}",
         [f"An escalation about case {escalation.case.reference} is now at {stage.label.lower()}{why}.",
          f"Its holders are {raiser_side.full_name} and {case_side.full_name if case_side else 'nobody yet'}.",
          f"It is due to be resolved by {due.astimezone(LONDON):%-d %B %Y}." if due else
          "The independent chair's decision is final."])
    return {"stage_started_on": today}
