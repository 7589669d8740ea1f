"""Deciding on the evidence: the referral beside the referral decision, the assessment beside its review and the
outcome, on the step page itself (what was recorded, as the case history has it)."""
import re

from sqlalchemy import select

from tests.cases.builders import (
    assessment_answers, complete, hold_meeting, open_case, open_task, referral_answers, start_assessment,
)
from tests.helpers import sign_in
from webapp.auth.models import User
from webapp.demo import DEMO_PASSWORD


def user(session, name) -> User:
    return session.scalar(select(User).where(User.username == name))


def evidence_of(page: str) -> str:
    found = re.search(r'<section class="govuk-grid-column-one-third app-evidence".*?</section>', page, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", found.group(0)) if found else ""


def test_the_decision_and_the_review_are_made_beside_what_they_decide_on(client, partnership, clock):
    session = partnership
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers(concern_what="Bruising seen on the arm at nursery"))
    session.commit()
    sign_in(client, "tm1", DEMO_PASSWORD)
    decision = evidence_of(client.get(f"/cases/{case.id}/steps/{open_task(case, 'referral_decision').task_id}").text)
    assert "The referral" in decision and "Bruising seen on the arm at nursery" in decision
    assert "Recorded by Demo Social Worker One" in decision

    start_assessment(case, sw1, tm1)
    complete(sw1, case, "assessment", assessment_answers(findings="Needs support with routines at home"))
    hold_meeting(sw1, case, "convene_by_day_20")
    session.commit()
    review = evidence_of(client.get(f"/cases/{case.id}/steps/{open_task(case, 'manager_review').task_id}").text)
    assert "The assessment" in review and "Needs support with routines at home" in review
    assert "Bruising seen" not in review
