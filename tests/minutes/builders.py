"""A case whose day-20 meeting has been held: the GP practice, the school and the mother invited, the
grandmother (a regular visitor) not; attendance recorded with apologies and a report; the minutes step open."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tests.cases.builders import convene, open_case, open_task, referral_answers, start_assessment, start_meeting_now
from webapp.agencies.models import Agency, AgencyKind
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.meetings import services as meeting_services
from webapp.minutes import services
from webapp.minutes.distribution import configured_links
from webapp.minutes.reviews import configured_cadence

FAMILY = [{"full_name": "Pat Demochild", "relationship": "mother", "has_parental_responsibility": True,
           "email": "pat@example.org"},
          {"full_name": "Sam Demochild", "relationship": "grandmother", "has_parental_responsibility": False,
           "is_regular_visitor": True, "email": "sam@example.org"}]
CONTENT = {
    "minute_taker": "Demo Business Support", "child_views": "Ava said she likes her new class.",
    "family_views": "Pat wants help with mornings.", "strengths": "Ava attends school every day.",
    "worries": "Late nights; one bruise explained by a fall.",
    "progress": [{"outcome": "Ava sleeps by 8pm", "progress": "Most nights now"}],
    "decisions": "Continue under a child in need plan.", "dissent": "None.",
    "actions": [{"action": "Share the sleep routine leaflet", "owner": "Demo Health Visitor", "due_on": "2026-03-20"},
                {"action": "Book the family's GP review", "owner": "Demo GP", "due_on": "2026-03-06"}],
    "contingency": "A strategy discussion if a new injury is seen.", "visiting_frequency": "fortnightly",
    # A day later than six weeks after the meeting of 2 March, the interval's last day: so with a reason.
    "next_review_on": "2026-04-14", "next_review_reason": "The school is closed on 13 April for an INSET day.",
}


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


def held_meeting(session):
    agencies = {a.kind: a.id for a in session.scalars(select(Agency))}
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers(gp_id=agencies[AgencyKind.GP_PRACTICE.value],
                                           agencies_involved=[agencies[AgencyKind.SCHOOL.value]],
                                           household_members=FAMILY))
    start_assessment(case, sw1, tm1)
    meeting = convene(sw1, case, "convene_by_day_20", datetime.now(timezone.utc) + timedelta(hours=1))
    start_meeting_now(meeting)
    rows = [meeting_services.Attendance(i.id, "apologies", "INSET day", True) if i.email == "school1@example.org"
            else meeting_services.Attendance(i.id, "attended") for i in meeting.current_invitees]
    meeting_services.record_attendance(sw1, case.id, open_task(case, "record_attendance").task_id, rows,
                                       origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    session.commit()
    return case, meeting, sw1, tm1


def write(worker, case, content=None, family=(), submit=True):
    return services.save_minutes(worker, case.id, open_task(case, "record_minutes").task_id,
                                 dict(content or CONTENT), list(family), submit=submit,
                                 cadence=configured_cadence(), origin=NO_ORIGIN, now=datetime.now(timezone.utc))


def approve(manager, case):
    return services.approve_step(manager, case.id, open_task(case, "approve_minutes").task_id,
                                 links=configured_links(), origin=NO_ORIGIN, now=datetime.now(timezone.utc))
