"""Professional curiosity: a concern answered "yes" at referral or at assessment opens follow-up questions (pattern,
how often, impact on the child, what the child says) and stays in view, with those answers, on later steps, the
meeting's agenda and the minutes (page and PDF) of that case."""
import html
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.cases.builders import (
    assessment_answers, complete, convene, hold_meeting, open_case, open_task, record_attendance,
    referral_answers, start_assessment, start_meeting_now,
)
from tests.helpers import csrf_token, sign_in
from tests.minutes.builders import FAMILY, approve, user, write
from webapp.cases.flags import concern_flags
from webapp.cases.models import Case, StepRecord
from webapp.demo import DEMO_PASSWORD
from webapp.documents.models import Document
from webapp.errors import InvalidInput
from webapp.worker import render_documents

AT_REFERRAL = {"domestic_abuse": "yes", "domestic_abuse_details": "Police called twice in January",
               "domestic_abuse_frequency": "Every few weeks", "domestic_abuse_impact": "Wets the bed after rows",
               "domestic_abuse_child_says": "Mum cries and I hide upstairs"}
AT_ASSESSMENT = {"domestic_abuse": "yes", "domestic_abuse_details": "Father shouts and throws things at night",
                 "domestic_abuse_frequency": "Most weekends", "domestic_abuse_impact": "Tired and late for school",
                 "domestic_abuse_child_says": "Not asked yet: seen with her mother only",
                 "parental_substance_use": "yes", "parental_substance_use_details": "Father drinks at weekends",
                 "parental_substance_use_frequency": "Every weekend", "parental_substance_use_impact": "No tea made",
                 "parental_substance_use_child_says": "Daddy smells funny", "parental_conflict": "no",
                 "parental_mental_health": "not_known"}
DOMESTIC_ABUSE = ("Domestic abuse: At referral — Police called twice in January; how often: Every few weeks; impact on "
                  "the child: Wets the bed after rows; the child says: Mum cries and I hide upstairs. At assessment — "
                  "Father shouts and throws things at night; how often: Most weekends; impact on the child: Tired "
                  "and late for school; the child says: Not asked yet: seen with her mother only.")
SUBSTANCE_USE = ("Parental alcohol or substance use: At referral — answered no. At assessment — Father drinks at "
                 "weekends; how often: Every weekend; impact on the child: No tea made; the child says: Daddy smells "
                 "funny.")


def text_of(response) -> str:
    return html.unescape(response.text)


def test_the_follow_ups_are_required_for_a_yes_and_a_missing_one_changes_nothing(app, partnership, client, clock):
    sw1, tm1 = user(partnership, "sw1"), user(partnership, "tm1")
    answers = referral_answers(**AT_REFERRAL)
    del answers["domestic_abuse_impact"]
    with pytest.raises(InvalidInput) as refused:
        open_case(sw1, answers)
    assert refused.value.field_errors == {
        "domestic_abuse_impact": "Enter the impact of the domestic abuse on the child"}
    assert partnership.scalar(select(func.count(Case.id))) == 0

    case = open_case(sw1, referral_answers(**AT_REFERRAL))  # "no" and "not known" need no follow-ups
    start_assessment(case, sw1, tm1)
    partnership.commit()
    sign_in(client, "sw1", DEMO_PASSWORD)
    url = f"/cases/{case.id}/steps/{open_task(case, 'assessment').task_id}"
    form = client.get(url)
    # The follow-ups sit in the "Yes" answer's conditional reveal, not under "No".
    under_yes = form.text.split('id="conditional-parental_conflict"')[1].split('id="parental_conflict-2"')[0]
    assert all(f'name="parental_conflict_{name}"' in under_yes for name in ("details", "frequency", "impact",
                                                                             "child_says"))
    assert "If the child is too young to say, or has not been asked yet, say so" in form.text
    posted = {key: ("true" if value is True else "false" if value is False else value)
              for key, value in assessment_answers(parental_conflict="yes").items()}
    del posted["parental_conflict_child_says"]
    page = client.post(url, data={"csrf_token": csrf_token(form.text), **posted})
    assert page.status_code == 400
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', page.text, re.S).group(1)
    assert "Enter what the child says about the conflict between the parents" in html.unescape(summary)
    assert 'href="#parental_conflict_child_says"' in summary
    partnership.expire_all()
    assert [r.bpmn_id for r in partnership.scalars(select(StepRecord).where(StepRecord.case_id == case.id))] == [
        "record_referral", "referral_decision"]
    assert open_task(case, "assessment") is not None


def test_concerns_and_their_follow_ups_follow_the_case_from_referral_and_assessment(app, partnership, client, clock):
    sw1, tm1 = user(partnership, "sw1"), user(partnership, "tm1")
    case = open_case(sw1, referral_answers(household_members=FAMILY, **AT_REFERRAL))
    start_assessment(case, sw1, tm1)
    partnership.commit()
    sign_in(client, "sw1", DEMO_PASSWORD)
    assessment = text_of(client.get(f"/cases/{case.id}/steps/{open_task(case, 'assessment').task_id}"))
    assert "Concerns flagged on this case" in assessment
    assert ("Domestic abuse: At referral — Police called twice in January; how often: Every few weeks; impact on the "
            "child: Wets the bed after rows; the child says: Mum cries and I hide upstairs.") in assessment
    assert "Parental alcohol" not in assessment
    case_page = text_of(client.get(f"/cases/{case.id}"))  # the case page shows them at its top, as promised
    assert case_page.index("Concerns flagged on this case") < case_page.index("Household")
    assert "Domestic abuse: At referral — Police called twice in January" in case_page

    complete(sw1, case, "assessment", assessment_answers(**AT_ASSESSMENT))
    meeting = convene(sw1, case, "convene_by_day_20", datetime.now(timezone.utc) + timedelta(hours=1))
    partnership.commit()
    agenda = text_of(client.get(f"/meetings/{meeting.id}"))
    assert DOMESTIC_ABUSE in agenda and SUBSTANCE_USE in agenda  # both accounts in one flag; one raised at assessment
    assert "Conflict between the parents" not in agenda and "A parent's mental health" not in agenda
    start_meeting_now(meeting)
    record_attendance(sw1, case, meeting)
    partnership.commit()
    writing = text_of(client.get(f"/cases/{case.id}/steps/{open_task(case, 'record_minutes').task_id}/minutes"))
    assert DOMESTIC_ABUSE in writing and SUBSTANCE_USE in writing
    write(sw1, case)
    version = approve(tm1, case)
    partnership.commit()
    render_documents(limit=10)
    minutes = text_of(client.get(f"/meetings/{meeting.id}/minutes"))
    assert DOMESTIC_ABUSE in minutes and SUBSTANCE_USE in minutes
    pdf = partnership.get(Document, version.document_id).pdf
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    assert "Concerns flagged on the case" in text and DOMESTIC_ABUSE in text and SUBSTANCE_USE in text

    manager = app.test_client()  # the next step of the case: the manager's review
    sign_in(manager, "tm1", DEMO_PASSWORD)
    review = text_of(manager.get(f"/cases/{case.id}/steps/{open_task(case, 'manager_review').task_id}"))
    assert DOMESTIC_ABUSE in review and SUBSTANCE_USE in review


def test_the_reworked_assessment_counts_and_a_referral_before_the_follow_ups_still_reads(app, partnership, clock):
    sw1, tm1 = user(partnership, "sw1"), user(partnership, "tm1")
    case = open_case(sw1, referral_answers())
    referral = partnership.scalar(select(StepRecord).where(StepRecord.case_id == case.id,
                                                           StepRecord.bpmn_id == "record_referral"))
    referral.answers = {**referral.answers, "parental_mental_health": "yes",  # as recorded before the follow-ups
                        "parental_mental_health_details": "Mother has postnatal depression"}
    start_assessment(case, sw1, tm1)
    complete(sw1, case, "assessment", assessment_answers(**AT_ASSESSMENT))
    hold_meeting(sw1, case, "convene_by_day_20")
    complete(tm1, case, "manager_review", {"assessment_agreed": False, "review_comments": "Ask the child"})
    complete(sw1, case, "assessment_rework", assessment_answers(domestic_abuse="yes"))
    assert [str(flag) for flag in concern_flags(case.id)] == [
        "Domestic abuse: At referral — answered not known. At assessment — Reported by the referrer; how often: "
        "Weekly; impact on the child: Tired at school; the child says: Not asked yet.",
        "A parent's mental health: At referral — Mother has postnatal depression. At assessment — answered no."]
