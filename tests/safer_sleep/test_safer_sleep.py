"""Safer sleep: a child under 1 gets a safer-sleep assessment before the plan is agreed and again before each
review; its risks are flagged on the case and become plan actions (in the record and its PDF); health visiting
or midwifery can be asked to record one and see nothing else of the case."""
import html
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.cases.builders import (
    complete, hold_meeting, open_case, open_task, referral_answers, take_to_assessment_outcome, take_to_first_review,
)
from tests.helpers import csrf_token, post_form, sign_in
from tests.minutes.builders import user
from tests.safer_sleep.builders import RISK_FLAGS, RISKY, SAFE, form_data, record
from webapp.agencies.models import Agency, AgencyKind
from webapp.audit.models import AuditEvent
from webapp.audit.services import NO_ORIGIN
from webapp.cases.models import StepRecord
from webapp.cases.steps import correct_step
from webapp.demo import DEMO_PASSWORD
from webapp.documents.models import Document
from webapp.errors import InvalidInput, PermissionDenied
from webapp.information_requests.models import InformationRequest
from webapp.mail.models import OutboxMessage
from webapp.safer_sleep import services
from webapp.safer_sleep.models import SaferSleepAssessment
from webapp.safer_sleep.risks import RISKS
from webapp.worker import render_documents
from webapp.workflow.models import OpenTask

TEN_WEEKS_OLD = "2025-12-22"  # on Monday 2 March 2026, where the clock stands
RISK_ACTIONS = [r.action for r in RISKS if r.key in {"sofa_or_armchair", "unplanned_co_sleeping", "smoking",
                                                     "substances"}]
PLAN = {"plan_agreed_on-day": "2", "plan_agreed_on-month": "3", "plan_agreed_on-year": "2026",
        "needs_and_worries": "Tired parents", "outcomes-0-outcome": "Baby sleeps safely every night",
        "actions-0-action": "Family support worker visits", "actions-0-owner": "Family support",
        "actions-0-due_on-day": "13", "actions-0-due_on-month": "3", "actions-0-due_on-year": "2026",
        "contingency": "Strategy discussion", "visiting_frequency": "weekly", "lead_practitioner": "Demo Social Worker"}


def text_of(page) -> str:
    return re.sub(r"\s+", " ", html.unescape(page.text))


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def baby_case(session, born=TEN_WEEKS_OLD, **extra):
    return open_case(user(session, "sw1"), referral_answers(child_date_of_birth=born, **extra))


def at_plan(session, case):
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    take_to_assessment_outcome(case, sw1, tm1)
    complete(tm1, case, "assessment_outcome", {"outcome": "cin_plan", "outcome_reasons": "x"})


def test_a_plan_for_a_10_week_old_waits_for_the_assessment_whose_risks_become_flags_and_plan_actions(
        app, partnership, client, clock):
    session = partnership
    case = baby_case(session)
    at_plan(session, case)
    session.commit()
    step_url = f"/cases/{case.id}/steps/{open_task(case, 'cin_plan').task_id}"
    sign_in(client, "sw1", DEMO_PASSWORD)
    page = text_of(client.get(step_url))
    assert "a safer-sleep assessment must be recorded on the case before the plan can be agreed" in page
    assert f'href="/cases/{case.id}/safer-sleep/new?step=' in client.get(step_url).text  # the warning links there

    refused = post_form(client, step_url, PLAN)
    assert refused.status_code == 400 and "a safer-sleep assessment must be recorded" in text_of(refused)
    session.expire_all()
    assert open_task(case, "cin_plan") is not None
    assert session.scalar(select(func.count(StepRecord.id)).where(StepRecord.form_key == "cin_plan")) == 0
    assert session.scalar(select(func.count(Document.id)).where(Document.case_id == case.id,
                                                                  Document.kind == "cin_plan")) == 0

    recorded = post_form(client, f"/cases/{case.id}/safer-sleep/new?step={open_task(case, 'cin_plan').task_id}",
                         form_data(RISKY))
    assert recorded.status_code == 302 and recorded.headers["Location"].endswith(step_url)
    on_case, on_step = text_of(client.get(f"/cases/{case.id}")), text_of(client.get(step_url))
    for flag in RISK_FLAGS:
        assert flag in on_case and flag in on_step
    assert "Concerns flagged on this case" in on_step and "must be recorded" not in on_step
    for action in RISK_ACTIONS:  # the plan's form opens with them
        assert f'value="{action}"' in html.unescape(client.get(step_url).text)

    agreed = post_form(client, step_url, PLAN)  # the worker's own action only: the service adds the rest
    assert agreed.status_code == 302
    session.expire_all()
    plan = session.scalar(select(StepRecord).where(StepRecord.case_id == case.id, StepRecord.form_key == "cin_plan"))
    actions = plan.answers["actions"]
    assert [a["action"] for a in actions] == ["Family support worker visits", *RISK_ACTIONS]
    assert {a["owner"] for a in actions[1:]} == {"Social worker", "Health visitor"}
    assert all(a["due_on"] > "2026-03-02" for a in actions[1:])
    session.commit()  # the worker starts with a rollback: keep what the pages did
    render_documents(limit=10)
    pdf = session.scalar(select(Document).where(Document.case_id == case.id, Document.kind == "cin_plan")).pdf
    text = squeezed(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    for action in ["Family support worker visits", *RISK_ACTIONS]:
        assert squeezed(action) in text
    trimmed = {**plan.answers, "actions": actions[:1]}  # a correction that drops them gets them back
    correct_step(user(session, "sw1"), case.id, plan.id, trimmed, "Typo", origin=NO_ORIGIN,
                 now=datetime.now(timezone.utc))
    session.refresh(plan)
    assert [a["action"] for a in plan.current_answers["actions"]] == ["Family support worker visits", *RISK_ACTIONS]


def test_each_review_needs_a_new_assessment_until_the_child_is_1(app, partnership, client, clock):
    session = partnership
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = baby_case(session)
    record(sw1, case)  # no risks: the plan carries no extra actions
    take_to_first_review(case, sw1, tm1, plan_agreed_on="2026-03-02")
    hold_meeting(sw1, case)
    session.commit()
    review = {"progress": "x", "review_decision": "continue"}
    with pytest.raises(InvalidInput) as refused:  # the assessment before the plan does not count for a review
        complete(sw1, case, "cin_review", review)
    assert "review_decision" in refused.value.field_errors and "safer-sleep" in str(refused.value)
    assert open_task(case, "cin_review") is not None
    sign_in(client, "sw1", DEMO_PASSWORD)
    page = text_of(client.get(f"/cases/{case.id}/steps/{open_task(case, 'cin_review').task_id}"))
    assert "a new safer-sleep assessment must be recorded since the last plan or review" in page

    clock.shift(timedelta(days=1))
    record(sw1, case, RISKY)
    complete(sw1, case, "cin_review", review)
    assert services.safer_sleep_flags(case.id)[0].label == "Safer sleep: The baby sleeps on a sofa or armchair"

    clock.move_to(datetime(2026, 12, 22, 9, 0, tzinfo=timezone.utc))  # the first birthday
    hold_meeting(sw1, case)
    complete(sw1, case, "cin_review", review)  # no new assessment needed
    assert services.safer_sleep_flags(case.id) == []  # nor are a baby's sleep risks flagged any longer
    session.commit()
    assert "Safer sleep" not in client.get(f"/cases/{case.id}").text


def test_a_child_of_2_is_never_asked_for_one(app, partnership, client, clock):
    session = partnership
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = baby_case(session, born="2024-01-10")
    take_to_first_review(case, sw1, tm1, plan_agreed_on="2026-03-02")
    hold_meeting(sw1, case)
    session.commit()
    sign_in(client, "sw1", DEMO_PASSWORD)
    step = client.get(f"/cases/{case.id}/steps/{open_task(case, 'cin_review').task_id}").text
    assert "safer-sleep" not in step and "Safer sleep" not in client.get(f"/cases/{case.id}").text
    complete(sw1, case, "cin_review", {"progress": "x", "review_decision": "continue"})
    assert session.scalar(select(func.count(SaferSleepAssessment.id))) == 0


def test_health_visiting_records_one_when_asked_and_sees_nothing_else_of_the_case(app, partnership, client, clock):
    session = partnership
    case = baby_case(session)
    at_plan(session, case)
    hv = session.scalar(select(Agency).where(Agency.kind == AgencyKind.HEALTH_VISITING.value))
    session.commit()
    sign_in(client, "sw1", DEMO_PASSWORD)
    assert "Ask health visiting or midwifery" in client.get(f"/cases/{case.id}").text
    asked = post_form(client, f"/cases/{case.id}/safer-sleep/ask",
                      {"agency_id": str(hv.id), "question": "Mother works nights"})
    assert asked.status_code == 302
    request = session.scalar(select(InformationRequest).where(InformationRequest.case_id == case.id))
    assert request.kind == "safer_sleep" and request.question.endswith("Mother works nights")
    subjects = session.scalars(select(OutboxMessage.subject).where(OutboxMessage.agency_id == hv.id)).all()
    # Asking joins health visiting to the register, so it is told the case is open too; no name in a subject.
    assert set(subjects) == {f"Safer-sleep assessment requested: case {case.reference}",
                             f"Child in need case open: case {case.reference}"}

    hv1 = app.test_client()
    sign_in(hv1, "hv1", DEMO_PASSWORD)
    assert f"Safer-sleep assessment for case {case.reference}" in hv1.get("/requests").text
    form = hv1.get(f"/requests/{request.id}")
    assert "Where does the baby usually sleep?" in form.text and "Mother works nights" in form.text
    for address in (f"/cases/{case.id}", f"/cases/{case.id}/safer-sleep", f"/cases/{case.id}/safer-sleep/new",
                    f"/cases/{case.id}/steps/{open_task(case, 'cin_plan').task_id}"):
        assert hv1.get(address).status_code == 404, address
    incomplete = hv1.post(f"/requests/{request.id}", data={"csrf_token": csrf_token(form.text), "smoking": "true"})
    assert incomplete.status_code == 400 and "Select where the baby usually sleeps" in text_of(incomplete)
    assert session.scalar(select(func.count(SaferSleepAssessment.id))) == 0
    answered = hv1.post(f"/requests/{request.id}", data={"csrf_token": csrf_token(form.text), **form_data(RISKY)})
    assert answered.status_code == 302

    session.expire_all()
    assessment = session.scalar(select(SaferSleepAssessment).where(SaferSleepAssessment.case_id == case.id))
    assert (assessment.recorded_by.username, assessment.agency_id, assessment.request_id) == ("hv1", hv.id, request.id)
    assert session.get(InformationRequest, request.id).status == "Answered"
    assert services.requirement(case, "cin_plan", datetime.now(timezone.utc)) is None
    page = text_of(client.get(f"/cases/{case.id}"))
    assert "Demo Health Visitor (Demo Health Visiting Service)" in page and RISK_FLAGS[0] in page
    listing = text_of(client.get(f"/cases/{case.id}/safer-sleep"))
    assert "In answer to a request from Demo Social Worker" in listing and "Father drinks most evenings" in listing
    actions = {e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.subject_id == case.id,
                                                                          AuditEvent.subject_type == "cases"))}
    assert {"case.safer_sleep_recorded", "case.safer_sleep_viewed"} <= actions


def test_bad_answers_and_the_wrong_people_change_nothing(app, partnership, client, clock):
    session = partnership
    case = baby_case(session)
    sw1, now = user(session, "sw1"), datetime.now(timezone.utc)
    missing = {key: value for key, value in RISKY.items() if key not in {"sleeps_where", "substances_details"}}
    with pytest.raises(InvalidInput) as refused:
        services.record_assessment(sw1, case.id, missing, origin=NO_ORIGIN, now=now)
    assert set(refused.value.field_errors) == {"sleeps_where", "substances_details"}
    with pytest.raises(PermissionDenied):
        services.record_assessment(user(session, "sm1"), case.id, SAFE, origin=NO_ORIGIN, now=now)
    gp = session.scalar(select(Agency).where(Agency.kind == AgencyKind.GP_PRACTICE.value))
    session.commit()
    sign_in(client, "sw1", DEMO_PASSWORD)
    page = post_form(client, f"/cases/{case.id}/safer-sleep/new", form_data(missing))
    assert page.status_code == 400 and "There is a problem" in page.text
    assert 'href="#sleeps_where"' in page.text and "What, how often, and who cares for the baby then" in page.text
    wrong = post_form(client, f"/cases/{case.id}/safer-sleep/ask", {"agency_id": str(gp.id)})
    assert wrong.status_code == 400 and "Select a health visiting or midwifery service" in wrong.text
    assert session.scalar(select(func.count(SaferSleepAssessment.id))) == 0
    assert session.scalar(select(func.count(InformationRequest.id))) == 0
    recorded = select(func.count(AuditEvent.id)).where(AuditEvent.action == "case.safer_sleep_recorded")
    assert session.scalar(recorded) == 0
    assert session.scalar(select(func.count(OpenTask.id)).where(OpenTask.subject_type == "information_requests")) == 0
