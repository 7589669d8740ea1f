"""The minutes and the child in need review: the date of the next review the minutes set, checked against the
partnership's review cadence when they are sent for approval (reading it back, next_review_set, is in services.py
for the meeting process), and the review's decision starting from what the review meeting recorded."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from webapp.cases.step_hooks import StepHooks
from webapp.columns import LONDON
from webapp.extensions import db
from webapp.meetings.models import Meeting
from webapp.minutes.models import MinutesVersion
from webapp.partnership.services import setting_value
from webapp.workflow.contract import DiagramNeeds
from webapp.workflow.expressions import interval_after

REASON_FIELD = "next_review_reason"
NEEDS = DiagramNeeds(__name__)


@dataclass(frozen=True)
class ReviewCadence:
    """The partnership's interval between child in need reviews (settings cin_review_interval and its unit)."""

    count: int
    unit: str  # weeks | working_days


def configured_cadence() -> ReviewCadence:
    """The cadence from the partnership's settings (views and commands pass it to the services)."""
    return ReviewCadence(int(setting_value("cin_review_interval")), str(setting_value("cin_review_interval_unit")))


def latest_review_allowed(held_on: date, cadence: ReviewCadence) -> date:
    """The last day the cadence allows for the next review: the same rule the review timer uses by default."""
    return date.fromisoformat(interval_after(held_on, cadence.count, cadence.unit)[:10])


def check_next_review(content: dict, held_on: date, cadence: ReviewCadence) -> dict[str, str]:
    """A next review later than the cadence allows needs a reason; an earlier one never does."""
    chosen = content.get("next_review_on")
    if not chosen:
        return {}
    limit = latest_review_allowed(held_on, cadence)
    if date.fromisoformat(chosen) > limit and not str(content.get(REASON_FIELD) or "").strip():
        return {REASON_FIELD: f"Say why the next review is later than {limit:%-d %B %Y}, the latest the "
                              "partnership's review interval allows"}
    return {}


def held_on(meeting: Meeting) -> date:
    return meeting.starts_at.astimezone(LONDON).date()


REVIEW_FORM = NEEDS.form("section17", "cin_review", "the review's decision starts from the review meeting's minutes")


def review_from_minutes(case, answers: dict, now) -> dict:
    """The review's decision, first opened, starts from the issued minutes of the case's latest held meeting:
    progress against each outcome, the child's views and the family's, as the meeting recorded them."""
    content = db.session.scalar(
        select(MinutesVersion.content).join(Meeting, Meeting.id == MinutesVersion.meeting_id)
        .where(Meeting.case_id == case.id, Meeting.status == "held", MinutesVersion.status == "issued")
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc(), MinutesVersion.number.desc()).limit(1)) or {}
    progress = "\n".join(f"{row['outcome']}: {row['progress']}" if row.get("progress") else row["outcome"]
                         for row in content.get("progress", []) if row.get("outcome"))
    found = {"progress": progress, "child_views": content.get("child_views"), "family_views": content.get("family_views")}
    return {key: value for key, value in found.items() if value}


REVIEW_HOOKS = StepHooks(starting_answers=review_from_minutes)
