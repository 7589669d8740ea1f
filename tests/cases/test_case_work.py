"""Case work through the pages: referrals and household links, bad input, drafts, access, audit, outbox."""
import html
import re

import pytest
from sqlalchemy import func, select

from tests.cases.builders import open_case, referral_answers
from tests.helpers import csrf_token, sign_in
from webapp.agencies.models import Agency, AgencyKind
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.cases.models import Case, StepDraft, StepRecord
from webapp.demo import DEMO_PASSWORD
from webapp.mail.models import OutboxMessage
from webapp.workflow.models import OpenTask


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


def gp(session):
    return session.scalar(select(Agency).where(Agency.kind == AgencyKind.GP_PRACTICE.value))


def open_task(session, case, bpmn_id):
    return session.scalar(select(OpenTask).where(OpenTask.subject_id == case.id, OpenTask.bpmn_id == bpmn_id))


def post(client, url, data):
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_token(page.text), **data})


def test_invalid_step_answers_show_the_error_summary_and_save_nothing(client, partnership):
    case = open_case(user(partnership, "sw1"), referral_answers(gp_id=gp(partnership).id))
    partnership.commit()
    task = open_task(partnership, case, "referral_decision")
    sign_in(client, "tm1", DEMO_PASSWORD)
    url = f"/cases/{case.id}/steps/{task.task_id}"
    page = post(client, url, {"decision": "section17_assessment", "referrer_acknowledged": "true",
                              "acknowledgement_on-day": "31", "acknowledgement_on-month": "2",
                              "acknowledgement_on-year": "2026"})
    assert page.status_code == 400
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', page.text, re.S).group(1)
    assert "The date the referrer was told must be a real date" in summary
    assert 'href="#acknowledgement_on-day"' in summary
    page = post(client, url, {"decision": "section17_assessment", "referrer_acknowledged": "false"})
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', page.text, re.S).group(1)
    assert "Select the social worker to allocate" in summary and "Enter the reasons for the decision" in summary
    assert 'value="section17_assessment" checked' in page.text  # what was entered is kept
    assert partnership.scalar(select(func.count(StepRecord.id))) == 1  # only the referral
    assert open_task(partnership, case, "referral_decision") is not None


def test_a_worker_from_another_team_cannot_be_allocated(client, partnership, factory):
    outsider = factory.user(Role.SOCIAL_WORKER, username="outsider")
    case = open_case(user(partnership, "sw1"), referral_answers())
    partnership.commit()
    task = open_task(partnership, case, "referral_decision")
    sign_in(client, "tm1", DEMO_PASSWORD)
    page = post(client, f"/cases/{case.id}/steps/{task.task_id}", {
        "decision": "section17_assessment", "allocated_worker_id": str(outsider.id), "decision_reasons": "x",
        "referrer_acknowledged": "false"})
    assert page.status_code == 400 and "Select the social worker to allocate from the list" in page.text
    partnership.expire_all()
    assert partnership.get(Case, case.id).allocated_worker_id is None


def test_a_draft_survives_signing_out_and_back_in(client, partnership):
    case = open_case(user(partnership, "sw1"), referral_answers())
    partnership.commit()
    task = open_task(partnership, case, "referral_decision")
    sign_in(client, "tm1", DEMO_PASSWORD)
    url = f"/cases/{case.id}/steps/{task.task_id}"
    saved = post(client, url, {"_action": "draft", "decision_reasons": "Half-written reasons"})
    assert saved.status_code == 302
    client.post("/sign-out", data={"csrf_token": csrf_token(client.get("/").text)})
    sign_in(client, "tm1", DEMO_PASSWORD)
    page = client.get(url)
    assert "Half-written reasons" in page.text and "Continuing your draft" in page.text
    assert partnership.scalar(select(StepDraft.answers)) == {"decision_reasons": "Half-written reasons"}


def test_repeating_groups_add_and_remove_rows_without_javascript(client, partnership):
    sign_in(client, "sw1", DEMO_PASSWORD)
    page = post(client, "/referrals/new", {"_action": "add:household_members",
                                           "household_members-0-full_name": "First Person"})
    assert 'name="household_members-1-full_name"' in page.text and "First Person" in page.text
    page = client.post("/referrals/new", data={"csrf_token": csrf_token(page.text),
                                               "_action": "remove:household_members:0",
                                               "household_members-0-full_name": "First Person",
                                               "household_members-1-full_name": "Second Person"})
    assert "First Person" not in page.text and "Second Person" in page.text
    assert partnership.scalar(select(func.count(Case.id))) == 0


def test_a_sibling_referral_is_linked_only_after_confirmation(client, partnership):
    older = open_case(user(partnership, "sw2"), referral_answers("Mia", "Sampleton", "HG2 7ZZ"))
    partnership.commit()
    sign_in(client, "sw1", DEMO_PASSWORD)
    answers = referral_answers("Leo", "Sampleton", "hg27zz")
    form = {key: value for key, value in answers.items() if not isinstance(value, (list, bool))}
    form |= {key: ("true" if value else "false") for key, value in answers.items() if isinstance(value, bool)}
    form |= {"child_date_of_birth-day": "3", "child_date_of_birth-month": "4", "child_date_of_birth-year": "2021"}
    response = post(client, "/referrals/new", form)
    assert response.headers["Location"] == "/referrals/new/household"
    assert partnership.scalar(select(func.count(Case.id))) == 1  # nothing linked or created yet
    choice = client.get("/referrals/new/household")
    assert "a child called Mia Sampleton" in choice.text
    refused = client.post("/referrals/new/household", data={"csrf_token": csrf_token(choice.text)})
    assert refused.status_code == 400 and "Select the household" in refused.text
    done = client.post("/referrals/new/household", data={"csrf_token": csrf_token(choice.text),
                                                         "household": str(older.child.household_id)})
    case = partnership.get(Case, int(done.headers["Location"].rsplit("/", 1)[1]))
    assert case.child.household_id == older.child.household_id
    page = client.get(done.headers["Location"])
    assert f"case {older.reference}" in page.text


@pytest.mark.parametrize("who", ["other_team_worker", "gp1", "hv1", "po1", "admin"])
def test_people_outside_the_team_get_not_found_for_the_case_and_every_step(app, partnership, factory, who):
    case = open_case(user(partnership, "sw1"), referral_answers())
    partnership.commit()
    if who == "other_team_worker":
        factory.user(Role.SOCIAL_WORKER, username=who)
        partnership.commit()
    tasks = partnership.scalars(select(OpenTask.task_id).where(OpenTask.subject_id == case.id)).all()
    history = partnership.scalars(select(StepRecord.task_id).where(StepRecord.case_id == case.id)).all()
    client = app.test_client()
    sign_in(client, who, DEMO_PASSWORD if who != "other_team_worker" else "correct-horse-battery")
    for url in [f"/cases/{case.id}", *(f"/cases/{case.id}/steps/{t}" for t in [*tasks, *history]),
                f"/cases/{case.id}/allocation"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Leo" not in response.text and "Demochild" not in response.text
    token = csrf_token(client.get("/").text)
    for task_id in tasks:
        response = client.post(f"/cases/{case.id}/steps/{task_id}", data={"csrf_token": token, "decision": "advice"})
        assert response.status_code == 404
    assert case.reference not in client.get("/cases?q=Demochild").text
    assert case.reference not in client.get("/tasks").text


def test_a_social_worker_of_the_team_cannot_do_the_managers_step(client, partnership):
    case = open_case(user(partnership, "sw1"), referral_answers())
    partnership.commit()
    task = open_task(partnership, case, "referral_decision")
    sign_in(client, "sw2", DEMO_PASSWORD)
    assert client.get(f"/cases/{case.id}").status_code == 200
    response = client.get(f"/cases/{case.id}/steps/{task.task_id}")
    assert response.status_code == 403 and "for the case's team manager" in html.unescape(response.text)


def test_every_look_and_change_is_audited(client, partnership):
    case = open_case(user(partnership, "sw1"), referral_answers())
    partnership.commit()
    sign_in(client, "tm1", DEMO_PASSWORD)
    client.get(f"/cases/{case.id}")
    task = open_task(partnership, case, "referral_decision")
    client.get(f"/cases/{case.id}/steps/{task.task_id}")
    post(client, f"/cases/{case.id}/allocation", {"worker_id": str(user(partnership, "sw2").id)})
    actions = partnership.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "cases",
                                                                  AuditEvent.subject_id == case.id)
                                  .order_by(AuditEvent.id)).all()
    assert actions == ["case.created", "case.step_completed", "case.viewed", "case.step_viewed",
                       "case.allocation_viewed", "case.reallocated"]
    partnership.expire_all()  # the request changed the case in its own session
    assert partnership.get(Case, case.id).allocated_worker.username == "sw2"


def test_outbox_subjects_carry_the_reference_never_the_name(partnership):
    case = open_case(user(partnership, "sw1"), referral_answers("Ava", "Demochild", gp_id=gp(partnership).id))
    tm1 = user(partnership, "tm1")
    from webapp.cases.steps import record_step
    from webapp.audit.services import NO_ORIGIN
    from datetime import datetime, timezone

    record_step(tm1, case, open_task(partnership, case, "referral_decision"), {
        "decision": "section17_assessment", "allocated_worker_id": user(partnership, "sw1").id,
        "decision_reasons": "Concerns need assessing", "referrer_acknowledged": False},
        origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    message, = partnership.scalars(select(OutboxMessage)).all()
    assert message.subject == f"Section 17 assessment started: case {case.reference}"
    assert "Ava" not in message.subject and "Demochild" not in message.subject
    assert message.to_address == gp(partnership).email and "Ava Demochild" in message.body_text


def test_only_declared_answers_enter_workflow_data(partnership):
    from datetime import datetime, timezone

    from webapp.audit.services import NO_ORIGIN
    from webapp.cases.steps import record_step
    from webapp.workflow.runtime import workflow_data

    case = open_case(user(partnership, "sw1"), referral_answers())
    record_step(user(partnership, "tm1"), case, open_task(partnership, case, "referral_decision"), {
        "decision": "no_further_action", "decision_reasons": "Narrative stays in the case history",
        "referrer_acknowledged": False}, origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    data = workflow_data(case.workflow_instance_id)
    assert data["decision"] == "no_further_action"
    assert "decision_reasons" not in data and "concern_what" not in data and "child_given_names" not in data
    record = partnership.scalar(select(StepRecord).where(StepRecord.bpmn_id == "referral_decision"))
    assert record.answers["decision_reasons"] == "Narrative stays in the case history"
    assert partnership.get(Case, case.id).stage == "closed"
