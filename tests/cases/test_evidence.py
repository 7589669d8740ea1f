"""Deciding on the evidence: the referral beside the referral decision, the assessment beside its review and the
outcome, on the step page itself (what was recorded, as the case history has it); the assessment starting from
the referral's concerns, the review's decision from the review meeting's minutes."""
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tests.cases.builders import (
    MINUTES, assessment_answers, complete, convene, hold_meeting, issue_minutes, open_case, open_task,
    record_attendance, referral_answers, start_assessment, start_meeting_now, take_to_first_review,
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


def test_the_assessment_starts_from_the_referral_s_concerns_and_keeps_its_own(client, partnership, clock):
    session = partnership
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers(domestic_abuse="yes", domestic_abuse_details="Police called in January",
                                           domestic_abuse_frequency="Every few weeks",
                                           domestic_abuse_impact="Wets the bed", domestic_abuse_child_says="Hides"))
    start_assessment(case, sw1, tm1)
    session.commit()
    sign_in(client, "sw1", DEMO_PASSWORD)
    page = client.get(f"/cases/{case.id}/steps/{open_task(case, 'assessment').task_id}").text
    assert re.search(r'name="domestic_abuse"[^>]*value="yes"[^>]*checked|value="yes"[^>]*name="domestic_abuse"[^>]*'
                     r'checked', page)
    assert "Police called in January" in page  # the follow-up too, to change if the assessment found otherwise


def test_the_review_s_decision_starts_from_the_review_meeting_s_minutes(client, partnership, clock):
    session = partnership
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers())
    take_to_first_review(case, sw1, tm1, "2026-03-02")
    meeting = convene(sw1, case, "convene_meeting", datetime.now(timezone.utc) + timedelta(hours=1))
    start_meeting_now(meeting)
    record_attendance(sw1, case, meeting)
    issue_minutes(sw1, case, {**MINUTES, "child_views": "Likes the new bedtime routine",
                              "family_views": "Mother feels supported",
                              "progress": [{"outcome": "Sleeps safely", "progress": "Achieved most nights"}]})
    session.commit()
    sign_in(client, "sw1", DEMO_PASSWORD)
    page = client.get(f"/cases/{case.id}/steps/{open_task(case, 'cin_review').task_id}").text
    assert "Likes the new bedtime routine" in page and "Mother feels supported" in page
    assert "Sleeps safely: Achieved most nights" in page


def test_the_referral_decision_shows_the_household_and_the_child_s_earlier_referrals(client, partnership, clock):
    """Ava's earlier referral closed with advice; she is referred again into the same household, where her
    brother has a case of his own: the decision shows both, linked, beside the form."""
    session = partnership
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    first = open_case(sw1, referral_answers())
    complete(tm1, first, "referral_decision", {"decision": "advice", "decision_reasons": "Breakfast club",
                                               "referrer_acknowledged": False})
    brother = open_case(sw1, referral_answers("Leo", household_members=[]), household_id=first.child.household_id)
    clock.shift(timedelta(days=30))
    again = open_case(sw1, referral_answers(concern_what="Hungry again, and bruised"),
                      household_id=first.child.household_id)
    session.commit()
    assert again.child_id == first.child_id and brother.child_id != first.child_id  # the same child, a new case

    sign_in(client, "tm1", DEMO_PASSWORD)
    page = client.get(f"/cases/{again.id}/steps/{open_task(again, 'referral_decision').task_id}").text
    shown = evidence_of(page)
    assert "Hungry again, and bruised" in shown
    earlier = shown[shown.index("Earlier referrals"):]
    assert f"Case {first.reference} : referred 2 Mar 2026 09:00, closed on 2 Mar 2026 09:00" in earlier
    assert f'href="/cases/{first.id}"' in page and f'href="/cases/{brother.id}"' in page
    household = shown[shown.index("The household"):shown.index("Earlier referrals")]
    assert "Leo Demochild" in household and f"case {brother.reference}" in household
    assert "Ava Demochild" not in household  # the child herself is not her own sibling


def test_a_first_referral_says_it_is_the_first(client, partnership, clock):
    case = open_case(user(partnership, "sw1"), referral_answers())
    partnership.commit()
    sign_in(client, "tm1", DEMO_PASSWORD)
    shown = evidence_of(client.get(f"/cases/{case.id}/steps/{open_task(case, 'referral_decision').task_id}").text)
    assert "None: this is the child's first referral." in shown
    assert "No other children are known in this household." in shown
