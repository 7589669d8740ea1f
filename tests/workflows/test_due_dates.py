"""One due date everywhere: a step's, a pregnancy acknowledgement's and the minutes' circulation deadline are the
running timer's own. An administrator changes the setting mid-case, the worker's pass re-arms, and the page shows
the timer's new date; the timer fires on that date, not the old one."""
from datetime import datetime, timezone

from sqlalchemy import select

from tests.cases.builders import open_case, open_task, referral_answers
from tests.helpers import deadline_pass, signed_in
from tests.minutes.builders import held_meeting, write
from tests.pregnancy.builders import notify
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.mail.models import OutboxMessage
from webapp.partnership.services import change_settings
from webapp.workflow.dues import timer_due
from webapp.workflow.models import OpenTask


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


def end_of(day: int) -> datetime:
    """The end of a March 2026 day in London (GMT until the 29th)."""
    return datetime(2026, 3, day, 23, 59, 59, tzinfo=timezone.utc)




def administrator_changes(session, **values):
    change_settings(user(session, "admin"), {k: str(v) for k, v in values.items()}, origin=NO_ORIGIN)
    session.commit()


def mail(session, subject_start: str) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.subject.like(f"{subject_start}%"))))


def test_a_step_s_due_date_is_its_timer_s_after_a_settings_change(app, partnership_committed, clock):
    session = partnership_committed
    case = open_case(user(session, "sw1"), referral_answers())  # Monday 2 March: decision due end of Tue 3rd
    session.commit()
    administrator_changes(session, referral_decision_working_days=3)
    deadline_pass()
    timer = timer_due(case.workflow_instance_id, "referral_decision_due")
    assert timer.at == end_of(5) and timer.waiting
    step = session.scalar(select(OpenTask).where(OpenTask.instance_id == case.workflow_instance_id,
                                                 OpenTask.bpmn_id == "referral_decision"))
    assert step.due_at == timer.at
    client = signed_in(app, "sw1")
    assert "Due 5 Mar 2026" in client.get(f"/cases/{case.id}").text
    clock.move_to(datetime(2026, 3, 4, 0, 0, 1, tzinfo=timezone.utc))  # the old date has passed
    deadline_pass()
    assert mail(session, "Referral decision") == [] and timer_due(case.workflow_instance_id,
                                                                 "referral_decision_due").waiting
    clock.move_to(datetime(2026, 3, 6, 0, 0, 1, tzinfo=timezone.utc))
    deadline_pass()
    session.expire_all()
    assert timer_due(case.workflow_instance_id, "referral_decision_due").state == "fired"
    client = signed_in(app, "sw1")  # days later: a new session
    assert "Overdue since 5 Mar 2026" in client.get(f"/cases/{case.id}").text


def test_a_pregnancy_acknowledgement_is_due_when_its_timer_is(app, partnership_committed, clock):
    session = partnership_committed
    notification = notify(session, due="2026-04-20", gestation_at_booking_weeks=32)  # late: 2 working days
    session.commit()
    assert timer_due(notification.workflow_instance_id, "acknowledgement_due").at == end_of(4)
    assert "Acknowledge it by 4 March 2026" in mail(session, "Pregnancy notification")[0].body_text
    administrator_changes(session, pregnancy_late_acknowledgement_working_days=4)
    deadline_pass()
    assert timer_due(notification.workflow_instance_id, "acknowledgement_due").at == end_of(6)
    client = signed_in(app, "hv1")
    assert "6 March 2026" in client.get("/pregnancy-notifications").text
    assert "6 March 2026" in client.get(f"/pregnancy-notifications/{notification.id}").text
    clock.move_to(datetime(2026, 3, 5, 0, 0, 1, tzinfo=timezone.utc))
    deadline_pass()
    assert mail(session, "Reminder: pregnancy notification") == []
    clock.move_to(datetime(2026, 3, 7, 0, 0, 1, tzinfo=timezone.utc))
    deadline_pass()
    assert mail(session, "Reminder: pregnancy notification") != []


def test_the_minutes_circulation_deadline_is_its_timer_s(app, partnership_committed, clock):
    session = partnership_committed
    case, meeting, sw1, tm1 = held_meeting(session)  # held Monday 2 March: issued by the end of Monday 9th
    write(sw1, case, submit=False)
    session.commit()
    administrator_changes(session, minutes_circulation_working_days=7)
    deadline_pass()
    timer = timer_due(case.workflow_instance_id, "minutes_late")
    assert timer.at == end_of(11) and timer.waiting
    client = signed_in(app, "sw1")
    page = client.get(f"/cases/{case.id}/steps/{open_task(case, 'record_minutes').task_id}/minutes")
    assert "Minutes to be issued: Due 11 Mar 2026" in page.text
    clock.move_to(datetime(2026, 3, 10, 0, 1, tzinfo=timezone.utc))  # the old deadline has passed
    deadline_pass()
    assert mail(session, "Minutes overdue") == []
    clock.move_to(datetime(2026, 3, 12, 0, 1, tzinfo=timezone.utc))
    deadline_pass()
    assert len(mail(session, "Minutes overdue")) == 1
    client = signed_in(app, "sw1")  # days later: a new session
    page = client.get(f"/cases/{case.id}/steps/{open_task(case, 'record_minutes').task_id}/minutes")
    assert "Minutes to be issued: Overdue since 11 Mar 2026" in page.text
