"""A meeting's agenda, built from the case: the standard sections, the plan's actions, the actions earlier
minutes set that are still open, the concerns flagged at referral. The minutes start from it."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from webapp.cases.flags import concern_flags
from webapp.cases.models import StepRecord
from webapp.extensions import db
from webapp.meetings.models import Meeting
from webapp.minutes.services import open_actions
from webapp.plans.actions import PLAN_STEP

STANDARD_SECTIONS = [
    "Introductions, and who sent apologies or reports",
    "The child's views, and the parents' and family's views",
    "What is working well",
    "Worries and risks",
    "Progress against each outcome of the plan",
    "Decisions, with any dissent",
    "Actions: who will do what, by when",
    "Contingency plan, and how often the child will be seen",
    "Date of the next review",
]


@dataclass
class Agenda:
    sections: list[str] = field(default_factory=lambda: list(STANDARD_SECTIONS))
    open_actions: list[dict] = field(default_factory=list)
    earlier_actions: list = field(default_factory=list)  # CaseAction rows from issued minutes, not yet done
    concerns: list[str] = field(default_factory=list)


def agenda_for(meeting: Meeting) -> Agenda:
    """The agenda of a meeting, from the latest plan and the referral of its case."""
    records = {record.bpmn_id: record for record in db.session.scalars(
        select(StepRecord).where(StepRecord.case_id == meeting.case_id).order_by(StepRecord.completed_at))}

    agenda = Agenda(earlier_actions=open_actions(meeting.case_id))
    if PLAN_STEP in records:
        agenda.open_actions = records[PLAN_STEP].current_answers.get("actions", [])
    agenda.concerns = [str(flag) for flag in concern_flags(meeting.case_id)]
    return agenda
