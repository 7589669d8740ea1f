"""Deadlines of the Section 17 process, with the clock moved (never waited for) and the worker's own passes."""
import re
from datetime import datetime, timezone

from sqlalchemy import select

from tests.cases.builders import (
    assessment_answers, complete, hold_meeting, issue_minutes, open_case, referral_answers, take_to_first_review,
)
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.mail.models import OutboxMessage
from webapp.partnership import services as partnership
from webapp.worker import fire_due_timers, rearm_deadlines
from webapp.workflow.models import OpenTask, WorkflowInstance


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


def due_of(session, case, bpmn_id):
    session.expire_all()
    return session.scalar(select(OpenTask.due_at).where(OpenTask.subject_id == case.id, OpenTask.bpmn_id == bpmn_id))


def alerts(session, case):
    return session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.case_id == case.id,
                                                                  OutboxMessage.kind == "overdue_alert")).all()


def test_an_undecided_referral_alerts_the_team_manager_after_one_working_day(partnership_committed, clock):
    session = partnership_committed
    clock.move_to(datetime(2026, 3, 6, 10, 0, tzinfo=timezone.utc))  # a Friday
    case = open_case(user(session, "sw1"), referral_answers())
    session.commit()
    assert due_of(session, case, "referral_decision").isoformat() == "2026-03-09T23:59:59+00:00"  # Monday
    clock.move_to(datetime(2026, 3, 9, 23, 0, tzinfo=timezone.utc))
    assert fire_due_timers() == (0, 0) and alerts(session, case) == []
    clock.move_to(datetime(2026, 3, 10, 0, 0, 1, tzinfo=timezone.utc))
    assert fire_due_timers() == (1, 0)
    assert alerts(session, case) == ["tm1@example.org"]
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "overdue_alert"))
    assert message.subject == f"Referral decision overdue: case {case.reference}"
    assert due_of(session, case, "referral_decision") is not None  # the decision still waits: work goes on


def test_an_added_bank_holiday_moves_a_running_deadline(partnership_committed, clock):
    session = partnership_committed
    clock.move_to(datetime(2026, 3, 6, 10, 0, tzinfo=timezone.utc))
    case = open_case(user(session, "sw1"), referral_answers())
    session.commit()
    partnership.add_extra_holiday(user(session, "admin"), datetime(2026, 3, 9).date(), "Coronation", origin=NO_ORIGIN)
    session.commit()
    assert rearm_deadlines() >= 1
    assert due_of(session, case, "referral_decision").isoformat() == "2026-03-10T23:59:59+00:00"
    session.expire_all()
    instance = session.get(WorkflowInstance, case.workflow_instance_id)
    assert instance.next_timer_at.isoformat() == "2026-03-10T23:59:59+00:00"


def test_cin_reviews_fall_due_at_the_cadence_and_a_changed_cadence_moves_them(partnership_committed, clock):
    session = partnership_committed
    clock.move_to(datetime(2026, 3, 16, 9, 0, tzinfo=timezone.utc))
    case = open_case(user(session, "sw1"), referral_answers())
    take_to_first_review(case, user(session, "sw1"), user(session, "tm1"), plan_agreed_on="2026-03-16")
    session.commit()
    # The initial child in need meeting was held on 16 March: the review meeting's steps are due 6 weeks on.
    assert open_steps(session, case) == {"convene_meeting"}
    assert due_of(session, case, "convene_meeting").isoformat() == "2026-04-27T22:59:59+00:00"  # 6 weeks, BST
    partnership.change_settings(user(session, "admin"), {"cin_review_interval": "4"}, origin=NO_ORIGIN)
    session.commit()
    rearm_deadlines()
    assert due_of(session, case, "convene_meeting").isoformat() == "2026-04-13T22:59:59+00:00"  # 4 weeks
    clock.move_to(datetime(2026, 4, 14, 8, 0, tzinfo=timezone.utc))
    assert fire_due_timers() == (1, 0)
    assert sorted(alerts(session, case)) == ["sw1@example.org", "tm1@example.org"]
    hold_meeting(user(session, "sw1"), case)  # held on 14 April
    complete(user(session, "sw1"), case, "cin_review", {"progress": "x", "review_decision": "continue"})
    session.commit()
    assert due_of(session, case, "convene_meeting").isoformat() == "2026-05-12T22:59:59+00:00"  # 4 weeks on


def test_my_tasks_and_the_case_page_show_the_deadline_and_working_days_left(client, partnership, clock):
    from tests.helpers import sign_in
    from webapp.demo import DEMO_PASSWORD

    clock.move_to(datetime(2026, 3, 6, 10, 0, tzinfo=timezone.utc))  # Friday; due end of Monday 9 March
    case = open_case(user(partnership, "sw1"), referral_answers())
    partnership.commit()
    sign_in(client, "tm1", DEMO_PASSWORD)
    assert "Due 9 Mar 2026, 1 working day left" in client.get("/tasks").text
    clock.move_to(datetime(2026, 3, 11, 10, 0, tzinfo=timezone.utc))  # Wednesday
    client.get("/tasks")  # days later: this ends the idle session
    sign_in(client, "tm1", DEMO_PASSWORD)
    page = client.get("/tasks").text
    assert "Overdue since 9 Mar 2026, by 2 working days" in page and "govuk-tag--red" in page
    assert "Overdue since 9 Mar 2026" in client.get(f"/cases/{case.id}").text


def _at_assessment(session, clock):
    """A case whose assessment started on Monday 2 March 2026 (day 0)."""
    from tests.cases.builders import complete

    clock.move_to(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    case = open_case(user(session, "sw1"), referral_answers())
    complete(user(session, "tm1"), case, "referral_decision", {
        "decision": "section17_assessment", "allocated_worker_id": user(session, "sw1").id,
        "decision_reasons": "x", "referrer_acknowledged": False})
    session.commit()
    return case


def open_steps(session, case):
    session.expire_all()
    return set(session.scalars(select(OpenTask.bpmn_id).where(OpenTask.subject_type == "cases",
                                                              OpenTask.subject_id == case.id)))


def test_day_20_without_a_meeting_stops_the_case_until_the_manager_signs_a_rationale(partnership_committed, clock):
    import pytest

    from tests.cases.builders import complete
    from webapp.errors import InvalidInput

    session = partnership_committed
    case = _at_assessment(session, clock)
    assert open_steps(session, case) == {"assessment", "convene_by_day_20"}
    assert due_of(session, case, "convene_by_day_20").isoformat() == "2026-03-30T22:59:59+00:00"  # day 20, BST
    complete(user(session, "sw1"), case, "assessment", assessment_answers())
    session.commit()
    assert open_steps(session, case) == {"convene_by_day_20"}  # no way on without the meeting
    clock.move_to(datetime(2026, 3, 31, 8, 0, tzinfo=timezone.utc))
    fire_due_timers()
    assert open_steps(session, case) == {"meeting_rationale"}
    with pytest.raises(InvalidInput) as refused:
        complete(user(session, "tm1"), case, "meeting_rationale", {"rationale": "Agencies consulted one by one",
                                                                  "rationale_signed": False})
    assert "Sign the rationale" in refused.value.field_errors["rationale_signed"]
    session.rollback()
    complete(user(session, "tm1"), case, "meeting_rationale", {"rationale": "Agencies consulted one by one",
                                                              "rationale_signed": True})
    session.commit()
    assert open_steps(session, case) == {"manager_review"}


def test_a_meeting_convened_in_time_needs_no_rationale_and_day_10_alerts_the_manager(partnership_committed, clock):
    from tests.cases.builders import convene, record_attendance

    session = partnership_committed
    case = _at_assessment(session, clock)
    clock.move_to(datetime(2026, 3, 17, 8, 0, tzinfo=timezone.utc))  # day 10 (Mon 16 March) has passed
    fire_due_timers()
    subjects = session.scalars(select(OutboxMessage.subject).where(OutboxMessage.kind == "overdue_alert")).all()
    assert f"Manager review of the assessment due: case {case.reference}" in subjects
    # Convened before day 20 for a date after it: the gate asks for a meeting convened, so no rationale.
    meeting = convene(user(session, "sw1"), case, "convene_by_day_20",
                      datetime(2026, 4, 1, 9, 0, tzinfo=timezone.utc))
    complete(user(session, "sw1"), case, "assessment", assessment_answers())
    session.commit()
    clock.move_to(datetime(2026, 3, 31, 8, 0, tzinfo=timezone.utc))  # day 20 has passed
    fire_due_timers()
    assert open_steps(session, case) == set()  # waiting for the meeting, no rationale
    clock.move_to(datetime(2026, 4, 1, 9, 0, 1, tzinfo=timezone.utc))
    fire_due_timers()
    assert open_steps(session, case) == {"record_attendance"}
    record_attendance(user(session, "sw1"), case, session.merge(meeting))
    issue_minutes(user(session, "sw1"), case)
    session.commit()
    assert open_steps(session, case) == {"manager_review"}


def test_an_assessment_past_45_working_days_asks_for_the_reasons(partnership_committed, clock):
    session = partnership_committed
    case = _at_assessment(session, clock)
    # 45 working days from Mon 2 March 2026, skipping Good Friday, Easter Monday and 4 May: Thu 7 May.
    assert due_of(session, case, "assessment").isoformat() == "2026-03-16T23:59:59+00:00"  # the day-10 check first
    clock.move_to(datetime(2026, 5, 7, 22, 0, tzinfo=timezone.utc))  # 23:00 in London
    fire_due_timers()
    assert "assessment_late" not in open_steps(session, case)
    clock.move_to(datetime(2026, 5, 7, 23, 0, 1, tzinfo=timezone.utc))
    fire_due_timers()
    assert {"assessment", "assessment_late"} <= open_steps(session, case)  # the work goes on, with the reasons due


def test_the_dashboard_shows_overdue_work_the_day_20_gate_and_silent_agencies(partnership_committed, clock, app):
    from tests.cases.builders import complete
    from tests.helpers import sign_in
    from webapp.agencies.models import Agency, AgencyKind
    from webapp.demo import DEMO_PASSWORD
    from webapp.information_requests.services import request_information

    session = partnership_committed
    case = _at_assessment(session, clock)
    undecided = open_case(user(session, "sw1"), referral_answers("Mia", "Sampleton", "HG2 7ZZ"))
    school = session.scalar(select(Agency).where(Agency.kind == AgencyKind.SCHOOL.value))
    request_information(user(session, "sw1"), case.id, school.id, "Attendance?", addressed_to_id=None,
                        origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    complete(user(session, "sw1"), case, "assessment", assessment_answers())
    session.commit()
    clock.move_to(datetime(2026, 3, 27, 8, 0, tzinfo=timezone.utc))  # Friday: day 20 is Monday, none convened
    client = app.test_client()
    sign_in(client, "tm1", DEMO_PASSWORD)
    assert "Day 20 close: no meeting convened yet" in client.get("/dashboard").text
    clock.move_to(datetime(2026, 3, 31, 8, 0, tzinfo=timezone.utc))
    fire_due_timers()
    client = app.test_client()
    sign_in(client, "tm1", DEMO_PASSWORD)
    page = client.get("/dashboard").text
    assert f"Case {case.reference}" in page and "Rationale waiting for the team manager" in page
    assert "Demo Primary School" in page
    by_step = re.search(r"by step</caption>(.*?)</table>", page, re.S).group(1)
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", by_step)).split() == (
        "Team Step Overdue Due soon Harrogate CIN team Decide on the referral 1 0".split())
    assert undecided.reference not in page  # the gate lists only cases at the gate


def test_the_dashboard_is_for_managers(app, partnership):
    from tests.helpers import sign_in
    from webapp.demo import DEMO_PASSWORD

    for username, status in (("sw1", 403), ("gp1", 403), ("tm1", 200), ("sm1", 200)):
        client = app.test_client()
        sign_in(client, username, DEMO_PASSWORD)
        assert client.get("/dashboard").status_code == status, username
