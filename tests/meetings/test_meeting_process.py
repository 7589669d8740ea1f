"""The meeting process (workflows/multi_agency_meeting.bpmn) on the real diagrams, with the clock moved and the
worker's own passes: the reminder of missing answers, moves and cancellations reaching the waiting step,
attendance, and invitees added after convening."""
from datetime import datetime, timezone
from email import message_from_string, policy

import pytest
from icalendar import Calendar
from sqlalchemy import select

from tests.cases.builders import convene, issue_minutes, open_case, referral_answers, start_assessment
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.errors import Conflict, InvalidInput
from webapp.mail.models import OutboxMessage
from webapp.meetings import answers, services
from webapp.meetings.models import Meeting
from webapp.meetings.services import configured_mailing
from webapp.worker import fire_due_timers
from webapp.workflow.models import OpenTask
from webapp.workflow.runtime import send_message, workflow_data
from webapp.workflow.state import lock_and_load


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


def open_steps(session, case):
    session.expire_all()
    return {t for t in session.scalars(select(OpenTask.bpmn_id).where(OpenTask.subject_type == "cases",
                                                                     OpenTask.subject_id == case.id))}


def mail(session, kind):
    session.expire_all()
    return session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)).all()


@pytest.fixture
def convened(partnership_committed, clock):
    """Mon 2 March: the assessment starts and sw1 convenes the day-20 meeting for Wed 11 March, 16:00."""
    session = partnership_committed
    sw1 = user(session, "sw1")
    case = open_case(sw1, referral_answers())
    start_assessment(case, sw1, user(session, "tm1"))
    meeting = convene(sw1, case, "convene_by_day_20", datetime(2026, 3, 11, 16, 0, tzinfo=timezone.utc))
    session.commit()
    return session, case, meeting, sw1


def test_the_convenor_is_reminded_two_working_days_before_and_a_move_moves_the_reminder(convened, clock):
    session, case, meeting, sw1 = convened
    first = meeting.current_invitees[0]
    links = configured_mailing().links
    answers.answer_by_link(links.token(meeting.id, first.id), "accepted", "", links=links, origin=NO_ORIGIN,
                            now=datetime.now(timezone.utc))
    session.commit()
    clock.move_to(datetime(2026, 3, 9, 7, 59, tzinfo=timezone.utc))  # reminder day is Mon 9 March, 08:00
    fire_due_timers()
    assert mail(session, "meeting_reminder") == []
    services.reschedule(sw1, meeting.id, starts_at=datetime(2026, 3, 12, 16, 0, tzinfo=timezone.utc),
                        ends_at=datetime(2026, 3, 12, 17, 0, tzinfo=timezone.utc), location="Civic Centre",
                        mailing=configured_mailing(), origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    session.commit()
    clock.move_to(datetime(2026, 3, 9, 8, 1, tzinfo=timezone.utc))
    fire_due_timers()
    assert mail(session, "meeting_reminder") == []  # the move put the reminder on Tue 10 March
    clock.move_to(datetime(2026, 3, 10, 8, 1, tzinfo=timezone.utc))
    fire_due_timers()
    reminder, = mail(session, "meeting_reminder")
    assert reminder.to_address == "sw1@example.org"
    assert reminder.subject == f"Unanswered invitations: case {case.reference}"
    waiting = [i.name for i in session.get(Meeting, meeting.id).current_invitees]
    assert all(f"- {name}" in reminder.body_text for name in waiting)  # the move reset every answer
    assert "Demochild" not in reminder.body_text and "bruise" not in reminder.body_text
    assert open_steps(session, case) == {"assessment"}
    clock.move_to(datetime(2026, 3, 12, 16, 0, 1, tzinfo=timezone.utc))
    fire_due_timers()
    assert open_steps(session, case) == {"assessment", "record_attendance"}


def test_no_reminder_when_everyone_answered(convened, clock):
    session, case, meeting, _ = convened
    links = configured_mailing().links
    for invitee in meeting.current_invitees:
        answers.answer_by_link(links.token(meeting.id, invitee.id), "tentative", "", links=links, origin=NO_ORIGIN,
                                now=datetime.now(timezone.utc))
    session.commit()
    clock.move_to(datetime(2026, 3, 10, 8, 0, tzinfo=timezone.utc))
    fire_due_timers()
    assert mail(session, "meeting_reminder") == []


def test_cancelling_opens_the_day_20_gate_again_with_its_deadline(convened, clock):
    # Issue 19: a cancelled day-20 meeting no longer meets the gate (it used to open a plain "Convene the
    # meeting" with no deadline, so day 20 passed unnoticed); tests/meetings/test_day_20_gate.py has the rest.
    session, case, meeting, sw1 = convened
    services.cancel(sw1, meeting.id, mailing=configured_mailing(), origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    session.commit()
    assert open_steps(session, case) == {"assessment", "convene_again_by_day_20"}
    assert {m.to_address for m in mail(session, "meeting_cancel")} == {i.email for i in meeting.current_invitees}
    clock.move_to(datetime(2026, 3, 31, 8, 0, tzinfo=timezone.utc))  # day 20 passes
    fire_due_timers()
    assert open_steps(session, case) == {"assessment", "convene_again_by_day_20", "meeting_rationale_again"}
    with pytest.raises(Conflict):  # the cancelled meeting's step is gone: nothing waits for it any more
        send_message(meeting.instance_id, "meeting_cancelled", {"meeting_id": meeting.id}, actor=sw1)


def test_attendance_needs_every_invitee_then_the_minutes_end_the_meeting(convened, clock):
    session, case, meeting, sw1 = convened
    clock.move_to(datetime(2026, 3, 11, 16, 5, tzinfo=timezone.utc))
    fire_due_timers()
    with pytest.raises(Conflict):
        services.cancel(sw1, meeting.id, mailing=configured_mailing(), origin=NO_ORIGIN,
                        now=datetime.now(timezone.utc))
    session.rollback()
    task = session.scalar(select(OpenTask).where(OpenTask.bpmn_id == "record_attendance"))
    first, *others = session.get(Meeting, meeting.id).current_invitees
    with pytest.raises(InvalidInput) as refused:
        services.record_attendance(sw1, case.id, task.task_id, [services.Attendance(first.id, "attended")],
                                   origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    assert set(refused.value.field_errors) == {f"attendance-{i.id}" for i in others}
    session.rollback()
    rows = [services.Attendance(first.id, "attended", report_received=True),
            *(services.Attendance(i.id, "apologies", "Clinic that afternoon") for i in others)]
    services.record_attendance(sw1, case.id, task.task_id, rows, origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    session.commit()
    held = session.get(Meeting, meeting.id)
    assert held.status == "held" and held.current_invitees[0].report_received
    assert {i.attendance_note for i in held.current_invitees[1:]} == {"Clinic that afternoon"}
    issue_minutes(sw1, case)
    session.commit()
    data = workflow_data(meeting.instance_id)
    assert (data["meeting_outcome"], data["meeting_held_on"]) == ("held", "2026-03-11")
    assert "meeting_id" not in data  # the meeting process hands back its declared outputs only
    assert lock_and_load(meeting.instance_id, lock=False).workflow.subprocesses == {}  # its inner state is dropped


def test_an_invitee_added_later_gets_their_own_invitation_with_their_role(convened):
    session, case, meeting, sw1 = convened
    before = len(mail(session, "meeting_request"))
    added = services.add_invitee(sw1, meeting.id, key="other", role="optional",
                                 someone=services.Someone("Gran Example", "Gran@Example.org"),
                                 mailing=configured_mailing(), origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    session.commit()
    sent = mail(session, "meeting_request")[before:]
    assert [m.to_address for m in sent] == ["gran@example.org"] and added.role == "optional"
    part = next(p for p in message_from_string(sent[0].raw_mime, policy=policy.default).walk()
                if p.get_content_type() == "text/calendar")
    event, = Calendar.from_ical(part.get_content()).walk("VEVENT")
    attendee = event["ATTENDEE"]
    assert str(attendee).lower() == "mailto:gran@example.org" and attendee.params["ROLE"] == "OPT-PARTICIPANT"
    with pytest.raises(InvalidInput) as refused:
        services.add_invitee(sw1, meeting.id, key="other", role="required",
                             someone=services.Someone("Gran again", "gran@example.org"),
                             mailing=configured_mailing(), origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    assert "already invited" in refused.value.field_errors["person"]


def test_a_day_20_meeting_step_shows_its_deadline_and_a_late_one_needs_the_rationale(partnership_committed, clock):
    session = partnership_committed
    sw1 = user(session, "sw1")
    case = open_case(sw1, referral_answers())
    start_assessment(case, sw1, user(session, "tm1"))
    session.commit()
    due = session.scalar(select(OpenTask.due_at).where(OpenTask.bpmn_id == "convene_by_day_20"))
    assert due.isoformat() == "2026-03-30T22:59:59+00:00"  # day 20, end of the day in London (BST)
    clock.move_to(datetime(2026, 3, 30, 23, 0, tzinfo=timezone.utc))
    fire_due_timers()
    assert open_steps(session, case) == {"assessment", "meeting_rationale"}
    assert session.scalar(select(Meeting.id)) is None
