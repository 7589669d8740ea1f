"""Invitees can prepare: the answer page (personal link) and the meeting page say what kind of meeting it is and
what it is for, with the agenda; the GP is told which patient (name, date of birth, NHS number) by the one rule,
on the link page only because the practice's mailbox is marked secure; a school's link page names nobody and
says whom to ask; an invited practitioner reads and answers on the meeting page signed in, a colleague who was
not invited cannot; every look through a link is audited."""
import html
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.cases.builders import convene, open_case, referral_answers, start_assessment
from tests.factories import PASSWORD, Factory
from tests.helpers import csrf_token, signed_in
from webapp.agencies.models import Agency, AgencyKind
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.meetings.models import Invitee, MeetingKind
from webapp.meetings.services import configured_mailing

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
PURPOSE = "brings together the family and the agencies who know the child"
IDENTIFIERS = ("Ava Demochild", "3 April 2019", "999 000 0018")
MOTHER = {"full_name": "Pat Demochild", "relationship": "mother", "has_parental_responsibility": True,
          "email": "pat@example.org"}


def text_of(page) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


@pytest.fixture
def meeting(app, partnership, clock):
    """The day-20 meeting of Ava's case, a week ahead: the GP practice and the school on the register (their
    practitioners invited by name), the mother invited; domestic abuse flagged at referral."""
    session = partnership
    agencies = {a.kind: a for a in session.scalars(select(Agency))}
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers(
        gp_id=agencies[AgencyKind.GP_PRACTICE.value].id, agencies_involved=[agencies[AgencyKind.SCHOOL.value].id],
        household_members=[MOTHER], child_nhs_number="999 000 0018", domestic_abuse="yes"))
    start_assessment(case, sw1, tm1)
    made = convene(sw1, case, "convene_by_day_20", NOW + timedelta(days=7))
    Factory(session).user(Role.AGENCY_PRACTITIONER, username="gp2", agency=user(session, "gp1").agency)
    session.commit()
    return made


def link_of(meeting, email: str) -> str:
    invitee, = [i for i in meeting.current_invitees if i.email == email]
    return f"/answer/{configured_mailing().links.token(meeting.id, invitee.id)}"


def link_views(session, meeting) -> list[tuple[str, bool]]:
    return [(e.actor_label, e.detail["identified"]) for e in session.scalars(
        select(AuditEvent).where(AuditEvent.action == "meeting.viewed").order_by(AuditEvent.id))
        if e.detail.get("via") == "link" and e.detail["meeting_id"] == meeting.id]


def test_the_gp_s_link_says_what_the_meeting_is_for_which_patient_and_the_agenda(client, partnership, meeting):
    page = client.get(link_of(meeting, "gp1@example.org"))
    text = text_of(page)
    assert page.status_code == 200
    for expected in ("Can you come to the meeting?", "Multi-agency meeting", f"case {meeting.case.reference}",
                     "What the meeting is for", PURPOSE, "within the first 20 working days of the assessment",
                     "Which patient this is", "Name Ava Demochild", "Date of birth 3 April 2019",
                     "NHS number 999 000 0018", "Agenda", "The child's views, and the parents' and family's views",
                     "Date of the next review", "Concerns flagged on the case", "Domestic abuse",
                     "Sign in to see this meeting in the service"):
        assert expected in text, expected
    assert text.index("Send my answer") < text.index("Agenda")  # the answer first, then what to prepare
    assert link_views(partnership, meeting) == [("link: gp1@example.org", True)]


@pytest.mark.parametrize("address", ["school1@example.org", MOTHER["email"]])
def test_a_link_to_an_address_not_marked_secure_names_nobody_and_says_whom_to_ask(client, partnership, meeting,
                                                                                  address):
    page = client.get(link_of(meeting, address))
    text = text_of(page)
    assert page.status_code == 200 and PURPOSE in text and "Agenda" in text and "Worries and risks" in text
    for private in (*IDENTIFIERS, "Ava", "Demochild", "Domestic abuse", "Which patient", "Which child this is"):
        assert private not in text, private
    assert (f"Ask Demo Social Worker One (sw1@example.org), who convened it, quoting case {meeting.case.reference}"
            in text)
    assert link_views(partnership, meeting) == [(f"link: {address}", False)]


def test_an_invited_practitioner_reads_and_answers_on_the_meeting_page_a_colleague_cannot(app, partnership,
                                                                                       meeting):
    gp = signed_in(app, "gp1")
    page = gp.get(f"/meetings/{meeting.id}")
    text = text_of(page)
    assert page.status_code == 200
    for expected in ("Multi-agency meeting", "Your answer No answer yet", PURPOSE, "Which patient this is",
                     "Name Ava Demochild", "NHS number 999 000 0018", "Agenda", "Domestic abuse"):
        assert expected in text, expected
    for staff_only in ("Invitees and their answers", "Pat Demochild", "Demo Class Teacher", "Move the meeting",
                       "Cancel the meeting"):
        assert staff_only not in text, staff_only

    token = csrf_token(page.text)
    refused = gp.post(f"/meetings/{meeting.id}/answer", data={"csrf_token": token})
    assert refused.status_code == 400 and "Select whether you can come" in text_of(refused)
    answered = gp.post(f"/meetings/{meeting.id}/answer", data={"csrf_token": token, "answer": "tentative",
                                                               "comment": "A surgery that morning"})
    assert answered.status_code == 302
    partnership.expire_all()
    mine, = [i for i in meeting.current_invitees if i.email == "gp1@example.org"]
    assert (mine.answer, mine.answer_comment, mine.answer_via) == ("tentative", "A surgery that morning", "signed_in")
    audit = partnership.scalar(select(AuditEvent).where(AuditEvent.action == "meeting.answered"))
    assert audit.actor_id == user(partnership, "gp1").id and audit.detail["invitee_id"] == mine.id
    assert "Your answer Tentative: “A surgery that morning”" in text_of(gp.get(f"/meetings/{meeting.id}"))
    staff_view = text_of(signed_in(app, "sw1").get(f"/meetings/{meeting.id}"))
    assert "Tentative: “A surgery that morning”" in staff_view

    colleague = signed_in(app, "gp2", PASSWORD)  # same practice, never invited
    assert colleague.get(f"/meetings/{meeting.id}").status_code == 404
    assert colleague.post(f"/meetings/{meeting.id}/answer", data={
        "csrf_token": csrf_token(colleague.get("/").text), "answer": "declined"}).status_code == 404
    partnership.expire_all()
    assert partnership.get(Invitee, mine.id).answer == "tentative"


def test_the_staff_meeting_page_says_what_it_is_for_and_which_child(app, partnership, meeting):
    text = text_of(signed_in(app, "sw1").get(f"/meetings/{meeting.id}"))
    for expected in (PURPOSE, "Which child this is", "Name Ava Demochild", "NHS number 999 000 0018", "Agenda",
                     "Invitees and their answers", "Move the meeting"):
        assert expected in text, expected


def test_a_meeting_that_has_taken_place_takes_no_more_answers_signed_in(app, partnership, meeting, clock):
    clock.move_to(NOW + timedelta(days=8))
    gp = signed_in(app, "gp1")
    token = csrf_token(gp.get("/").text)
    page = gp.get(f"/meetings/{meeting.id}")
    assert page.status_code == 200 and "Send my answer" not in page.text
    assert gp.post(f"/meetings/{meeting.id}/answer", data={"csrf_token": token, "answer": "accepted"}
                   ).status_code == 409


def test_each_kind_of_meeting_says_what_it_is_for_in_plain_words():
    assert "first meeting of the child in need plan" in MeetingKind.INITIAL_CIN.purpose
    assert "review of the child's child in need plan" in MeetingKind.CIN_REVIEW.purpose
    for kind in MeetingKind:
        assert "BPMN" not in kind.purpose and "Section 17 assessment" not in kind.purpose
