"""The day-20 gate survives a cancelled meeting (workflows/multi_agency_meeting.bpmn): a day-20 meeting convened in
time and cancelled after day 20 leaves the convene step overdue since day 20, the team manager offered the
rationale, and the case on the dashboard's day-20 list until a rationale is signed or another meeting convened.
Clock moved, the worker's own pass run at each point."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.cases.builders import (
    assessment_answers, complete, convene, issue_minutes, open_case, open_task, record_attendance, referral_answers,
    start_assessment,
)
from tests.helpers import sign_in
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.config import MailSettings
from webapp.demo import DEMO_PASSWORD
from webapp.extensions import db
from webapp.meetings import services
from webapp.meetings.services import configured_mailing
from webapp.worker import run_pass
from webapp.workflow.models import OpenTask

DAY_20 = "2026-03-30T22:59:59+00:00"  # day 0 is Mon 2 March 2026: day 20 ends Mon 30 March (BST)
GATE = "Past day 20 with neither a multi-agency meeting nor a signed rationale"


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


def worker_pass():
    """The worker's own pass (deadlines, timers, mail), with mail sent nowhere."""
    return run_pass(MailSettings(), send=lambda message, settings: None)


def open_steps(session, case):
    session.expire_all()
    return {row.bpmn_id: row.due_at for row in session.scalars(
        select(OpenTask).where(OpenTask.subject_type == "cases", OpenTask.subject_id == case.id))}


def day_20_list(app) -> str:
    """The team manager's dashboard, from its day-20 heading to the next table."""
    client = app.test_client()
    sign_in(client, "tm1", DEMO_PASSWORD)
    page = client.get("/dashboard").text
    # The page view committed (its audit row): the test's own read snapshot, if any, is stale now (SQLite).
    db.session.rollback()
    return page[page.index(GATE):page.index("Information requests outstanding")]


def move(clock, *when):
    clock.move_to(datetime(*when, tzinfo=timezone.utc))
    worker_pass()


@pytest.fixture
def cancelled_on_day_22(partnership_committed, clock, app):
    """Day 0 Mon 2 March: the assessment starts. Day 5 (Mon 9 March): the day-20 meeting is convened for day 23
    (Thu 2 April). The assessment is done. Day 22 (Wed 1 April): the meeting is cancelled."""
    session = partnership_committed
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers())
    start_assessment(case, sw1, tm1)
    session.commit()
    move(clock, 2026, 3, 9, 10, 0)
    meeting = convene(sw1, case, "convene_by_day_20", datetime(2026, 4, 2, 10, 0, tzinfo=timezone.utc))
    complete(sw1, case, "assessment", assessment_answers())
    session.commit()
    move(clock, 2026, 3, 31, 8, 0)  # day 20 passed with a meeting convened: nothing is asked
    assert open_steps(session, case) == {}
    assert f"Case {case.reference}" not in day_20_list(app)
    move(clock, 2026, 4, 1, 10, 0)
    services.cancel(sw1, meeting.id, mailing=configured_mailing(), origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    session.commit()
    worker_pass()
    return session, case, sw1, tm1


def test_a_meeting_cancelled_after_day_20_leaves_the_convene_step_overdue_and_the_rationale_offered(
        cancelled_on_day_22, app):
    session, case, _, tm1 = cancelled_on_day_22
    steps = open_steps(session, case)
    assert set(steps) == {"convene_again_by_day_20", "meeting_rationale_again"}
    assert steps["convene_again_by_day_20"].isoformat() == DAY_20  # overdue since day 20
    assert steps["convene_again_by_day_20"] < datetime.now(timezone.utc)
    listed = day_20_list(app)
    assert f"Case {case.reference}" in listed and "convene another, or sign the rationale" in listed
    client = app.test_client()
    sign_in(client, "tm1", DEMO_PASSWORD)
    page = client.get(f"/cases/{case.id}/steps/{open_task(case, 'meeting_rationale_again').task_id}")
    assert page.status_code == 200 and "Sign the rationale for no multi-agency meeting" in page.text
    assert "Sign the rationale for no multi-agency meeting" in client.get("/tasks").text


def test_signing_the_rationale_after_the_cancellation_takes_the_case_off_the_list(cancelled_on_day_22, app, clock):
    session, case, _, tm1 = cancelled_on_day_22
    move(clock, 2026, 4, 2, 9, 0)
    assert f"Case {case.reference}" in day_20_list(app)  # still listed a day later
    complete(tm1, case, "meeting_rationale_again", {"rationale": "Agencies consulted one by one",
                                                    "rationale_signed": True})
    session.commit()
    worker_pass()
    assert set(open_steps(session, case)) == {"manager_review"}  # the convene step went with the rationale
    assert f"Case {case.reference}" not in day_20_list(app)


def test_a_new_meeting_convened_and_held_takes_the_case_off_the_list(cancelled_on_day_22, app, clock):
    session, case, sw1, _ = cancelled_on_day_22
    meeting = convene(sw1, case, "convene_again_by_day_20", datetime(2026, 4, 8, 10, 0, tzinfo=timezone.utc))
    session.commit()
    worker_pass()
    assert open_steps(session, case) == {}  # the rationale offer went with the new meeting
    assert f"Case {case.reference}" not in day_20_list(app)
    move(clock, 2026, 4, 8, 10, 0, 1)
    assert set(open_steps(session, case)) == {"record_attendance"}
    record_attendance(sw1, case, session.merge(meeting))
    issue_minutes(sw1, case)
    session.commit()
    worker_pass()
    assert set(open_steps(session, case)) == {"manager_review"}
    assert f"Case {case.reference}" not in day_20_list(app)


def test_a_meeting_cancelled_before_day_20_keeps_the_day_20_deadline(partnership_committed, clock, app):
    session = partnership_committed
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers())
    start_assessment(case, sw1, tm1)
    meeting = convene(sw1, case, "convene_by_day_20", datetime(2026, 3, 20, 10, 0, tzinfo=timezone.utc))
    session.commit()
    move(clock, 2026, 3, 16, 10, 0)  # day 10
    services.cancel(sw1, meeting.id, mailing=configured_mailing(), origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    session.commit()
    worker_pass()
    steps = open_steps(session, case)
    assert set(steps) == {"assessment", "convene_again_by_day_20"}
    assert steps["convene_again_by_day_20"].isoformat() == DAY_20
    move(clock, 2026, 3, 27, 9, 0)  # two working days before day 20
    assert "the meeting was cancelled, none convened since" in day_20_list(app)
    move(clock, 2026, 3, 31, 8, 0)  # day 20 passed: a meeting or a rationale
    steps = open_steps(session, case)
    assert set(steps) == {"assessment", "convene_again_by_day_20", "meeting_rationale_again"}
    assert steps["convene_again_by_day_20"].isoformat() == DAY_20
    assert f"Case {case.reference}" in day_20_list(app)
