"""A meeting's steps carry the meeting's deadline: "Record who attended" falls due with the minutes (the
partnership's working days after the meeting's day), so My tasks, the home page and the case page show a date,
not "No deadline set", and sorting by due date puts it in its place. Driven through the services and the worker's
own passes, the clock moved."""
import re
from datetime import datetime, timezone

from sqlalchemy import select

from tests.cases.builders import convene, open_case, open_task, record_attendance, referral_answers, start_assessment
from tests.helpers import signed_in
from webapp.auth.models import User
from webapp.meetings.models import Meeting
from webapp.worker import fire_due_timers
from webapp.workflow.models import OpenTask

MEETING_AT = datetime(2026, 3, 11, 16, 0, tzinfo=timezone.utc)  # Wednesday 11 March
DUE = "2026-03-18T23:59:59+00:00"  # five working days on: the minutes' deadline (minutes_circulation_working_days)


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


def due_of(session, case, bpmn_id):
    session.expire_all()
    return session.scalar(select(OpenTask.due_at).where(OpenTask.subject_id == case.id, OpenTask.bpmn_id == bpmn_id))


def row_of(page: str, step: str) -> str:
    found = re.search(r'<tr class="govuk-table__row">(?:(?!</tr>).)*?>' + re.escape(step) + r"<(?:(?!</tr>).)*</tr>",
                      page, re.S)
    assert found, f"no row for {step}"
    return found.group(0)


def steps_in_order(page: str) -> list[str]:
    return re.findall(r'/cases/\d+/steps/[^"]+">([^<]+)<span class="govuk-visually-hidden"> for case ([^<]+)<',
                      page)


def test_recording_attendance_is_due_with_the_minutes_and_sorts_by_that_date(app, partnership_committed, clock):
    session = partnership_committed
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers("Ava", "Demochild", "HG1 1AA"))
    start_assessment(case, sw1, tm1)
    later = open_case(sw1, referral_answers("Leo", "Example", "HG2 2BB"))
    start_assessment(later, sw1, tm1)  # its day-20 convene step falls due after the meeting's deadline
    meeting = convene(sw1, case, "convene_by_day_20", MEETING_AT)
    session.commit()

    clock.move_to(datetime(2026, 3, 11, 16, 5, tzinfo=timezone.utc))
    fire_due_timers()  # the meeting's time comes: attendance is the next step
    assert due_of(session, case, "record_attendance").isoformat() == DUE
    assert due_of(session, later, "convene_by_day_20").isoformat() > DUE

    client = signed_in(app, "sw1")
    tasks = client.get("/tasks").text
    assert "Due 18 Mar 2026, 5 working days left" in row_of(tasks, "Record who attended")
    order = steps_in_order(tasks)
    assert order.index(("Record who attended", case.reference)) < order.index(
        ("Convene the multi-agency meeting", later.reference))  # by its date, not last among the undated
    assert "Due 18 Mar 2026" in row_of(client.get("/").text, "Record who attended")  # the home page's queue
    case_page = client.get(f"/cases/{case.id}").text
    assert re.search(r"Record who attended(?:(?!</li>).)*Due 18 Mar 2026", case_page, re.S)

    clock.move_to(datetime(2026, 3, 19, 9, 0, tzinfo=timezone.utc))
    fire_due_timers()  # the deadline passes: the step stays open, overdue since that day
    assert due_of(session, case, "record_attendance").isoformat() == DUE
    overdue = signed_in(app, "sw1").get("/tasks?show=overdue").text
    assert "Overdue since 18 Mar 2026" in row_of(overdue, "Record who attended")

    session.rollback()  # a fresh transaction after the pages' own writes
    record_attendance(user(session, "sw1"), case, session.get(Meeting, meeting.id))
    session.commit()
    assert open_task(case, "record_minutes").due_at.isoformat() == DUE  # the minutes keep the same deadline
