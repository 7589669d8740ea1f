"""The date of the next review the minutes set: checked against the partnership's review cadence when the
minutes are sent for approval, and read back when the next review is planned (its due date and timer)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from webapp.columns import LONDON
from webapp.extensions import db
from webapp.meetings.models import Meeting
from webapp.minutes.models import MinutesVersion
from webapp.partnership.services import setting_value
from webapp.workflow.expressions import interval_after

REASON_FIELD = "next_review_reason"


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


def next_review_set(case_id: int) -> str | None:
    """The next review date the issued minutes of the case's latest held meeting set (ISO), if they set one.
    An earlier meeting's date never counts: the latest meeting decided when the next review is."""
    meeting_id = db.session.scalar(select(Meeting.id).where(Meeting.case_id == case_id, Meeting.status == "held")
                                   .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(1))
    if meeting_id is None:
        return None
    content = db.session.scalar(select(MinutesVersion.content).where(MinutesVersion.meeting_id == meeting_id,
                                                                     MinutesVersion.status == "issued")
                                .order_by(MinutesVersion.number.desc()).limit(1))
    return (content or {}).get("next_review_on") or None


def held_on(meeting: Meeting) -> date:
    return meeting.starts_at.astimezone(LONDON).date()
