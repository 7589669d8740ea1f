"""The date of the next review the minutes set is the review's due date: its steps, its timer and the overdue
alert all follow it, through the worker's own passes with the clock moved; a date later than the partnership's
review interval needs a reason, kept with the minutes."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.cases.builders import (
    MINUTES, assessment_answers, complete, convene, hold_meeting, issue_minutes, open_case, open_task,
    record_attendance, referral_answers, start_assessment, start_meeting_now,
)
from tests.helpers import post_form, sign_in
from tests.minutes.builders import CONTENT, held_meeting, user, write
from webapp.demo import DEMO_PASSWORD
from webapp.errors import InvalidInput
from webapp.mail.models import OutboxMessage
from webapp.minutes.models import MinutesVersion
from webapp.worker import fire_due_timers
from webapp.workflow.models import OpenTask, WorkflowInstance

THURSDAY = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)
FOURTH_OF_DECEMBER_END = "2026-12-04T23:59:59+00:00"


def to_first_review(case, worker, manager, next_review: dict) -> None:
    """Referral to the first review's convene step; the initial child in need meeting's minutes say `next_review`."""
    start_assessment(case, worker, manager)
    complete(worker, case, "assessment", assessment_answers())
    hold_meeting(worker, case, "convene_by_day_20")
    complete(manager, case, "manager_review", {"assessment_agreed": True})
    complete(manager, case, "assessment_outcome", {"outcome": "cin_plan", "outcome_reasons": "x"})
    complete(worker, case, "cin_plan", {"plan_agreed_on": "2026-12-03", "needs_and_worries": "x",
                                        "outcomes": [{"outcome": "x"}], "contingency": "x",
                                        "actions": [{"action": "x", "owner": "x", "due_on": "2026-12-20"}],
                                        "visiting_frequency": "weekly", "lead_practitioner": "x"})
    meeting = convene(worker, case, "convene_meeting", datetime.now(timezone.utc) + timedelta(hours=1))
    start_meeting_now(meeting)  # the initial child in need meeting, held on 3 December
    record_attendance(worker, case, meeting)
    issue_minutes(worker, case, {**MINUTES, **next_review})


def review_due(session, case):
    session.expire_all()
    return session.scalar(select(OpenTask.due_at).where(OpenTask.subject_id == case.id,
                                                        OpenTask.bpmn_id == "convene_meeting"))


def overdue_alerts(session, case) -> list[str]:
    return sorted(session.scalars(select(OutboxMessage.to_address).where(
        OutboxMessage.case_id == case.id, OutboxMessage.kind == "overdue_alert",
        OutboxMessage.subject.like("Child in need review overdue:%"))))


def test_the_minutes_date_of_the_next_review_is_its_due_date_and_its_timer(partnership_committed, clock, client):
    session = partnership_committed
    clock.move_to(THURSDAY)
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers())
    to_first_review(case, sw1, tm1, {"next_review_on": "2026-12-04"})
    session.commit()

    # The page's due date and the timer are one: 4 December, not six weeks on (14 January).
    assert review_due(session, case).isoformat() == FOURTH_OF_DECEMBER_END
    instance = session.get(WorkflowInstance, case.workflow_instance_id)
    assert instance.next_timer_at.isoformat() == FOURTH_OF_DECEMBER_END
    sign_in(client, "sw1", DEMO_PASSWORD)
    page = client.get(f"/cases/{case.id}").text
    assert "4 Dec 2026" in page and "14 Jan 2027" not in page

    clock.move_to(datetime(2026, 12, 4, 23, 0, tzinfo=timezone.utc))
    fire_due_timers()
    assert overdue_alerts(session, case) == []
    clock.move_to(datetime(2026, 12, 5, 0, 1, tzinfo=timezone.utc))  # the review day passed without a review
    fire_due_timers()
    assert overdue_alerts(session, case) == ["sw1@example.org", "tm1@example.org"]
    clock.move_to(datetime(2027, 1, 15, 0, 1, tzinfo=timezone.utc))  # nothing more waits for 14 January
    fire_due_timers()
    assert overdue_alerts(session, case) == ["sw1@example.org", "tm1@example.org"]
    assert open_task(case, "convene_meeting") is not None  # the alert does not take the step away


def test_without_a_date_the_review_follows_the_partnership_s_interval(partnership_committed, clock):
    session = partnership_committed
    clock.move_to(THURSDAY)
    case = open_case(user(session, "sw1"), referral_answers())
    to_first_review(case, user(session, "sw1"), user(session, "tm1"), {})
    session.commit()
    assert review_due(session, case).isoformat() == "2027-01-14T23:59:59+00:00"  # six weeks after 3 December


def test_a_date_beyond_the_interval_needs_a_reason_and_the_reason_is_kept(partnership, clock):
    case, meeting, sw1, tm1 = held_meeting(partnership)  # held on Monday 2 March: six weeks run to 13 April
    on_time = {**CONTENT, "next_review_on": "2026-04-13"}
    on_time.pop("next_review_reason")
    late = {**on_time, "next_review_on": "2026-04-20"}
    with pytest.raises(InvalidInput) as refused:
        write(sw1, case, late)
    assert set(refused.value.field_errors) == {"next_review_reason"}
    assert "13 April 2026" in refused.value.field_errors["next_review_reason"]
    partnership.rollback()
    assert partnership.scalars(select(MinutesVersion)).all() == []  # nothing saved
    assert open_task(case, "record_minutes") is not None

    earlier = write(sw1, case, {**on_time, "next_review_on": "2026-03-30"})  # earlier is always fine
    assert earlier.status == "submitted" and "next_review_reason" not in earlier.content
    partnership.rollback()

    kept = write(sw1, case, {**late, "next_review_reason": "The family is away until 18 April."})
    assert kept.status == "submitted"
    assert (kept.content["next_review_on"], kept.content["next_review_reason"]) == (
        "2026-04-20", "The family is away until 18 April.")


def test_the_minutes_page_refuses_a_late_review_without_a_reason(partnership, clock, client):
    case, meeting, sw1, tm1 = held_meeting(partnership)
    task = open_task(case, "record_minutes")
    sign_in(client, "sw1", DEMO_PASSWORD)
    url = f"/cases/{case.id}/steps/{task.task_id}/minutes"
    form = {"_action": "submit", "minute_taker": "Demo Business Support", "child_views": "Ava said hello",
            "worries": "Late nights", "decisions": "Continue", "next_review_on-day": "20",
            "next_review_on-month": "4", "next_review_on-year": "2026"}
    refused = post_form(client, url, form)
    assert refused.status_code == 400
    assert 'id="next_review_reason-error"' in refused.text and "Say why the next review is later" in refused.text
    assert partnership.scalars(select(MinutesVersion)).all() == []
    accepted = post_form(client, url, {**form, "next_review_reason": "Half term"})
    assert accepted.status_code == 302
    version, = partnership.scalars(select(MinutesVersion)).all()
    assert version.content["next_review_reason"] == "Half term"
