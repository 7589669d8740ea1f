"""The formal debrief after a case closes following a serious incident, on the real Section 17 diagram."""
import pytest
from sqlalchemy import func, select

from tests.cases.builders import (
    check_open_work, complete, hold_meeting, open_case, open_task, referral_answers, take_to_assessment_outcome,
    take_to_first_review,
)
from tests.helpers import post_form, sign_in
from webapp.agencies.models import Agency, AgencyKind
from webapp.auth.models import User
from webapp.closure.debrief import debrief_attendance
from webapp.cases.models import Case, StepRecord
from webapp.demo import DEMO_PASSWORD
from webapp.errors import InvalidInput, PermissionDenied
from webapp.mail.models import OutboxMessage
from webapp.workflow import runtime
from webapp.workflow.models import OpenTask, WorkflowInstance

CLOSE_AFTER_INCIDENT = {"outcome": "no_further_action", "outcome_reasons": "x", "serious_incident": True,
                        "serious_incident_summary": "Admitted to hospital with a head injury on 1 March"}
DEBRIEF_FORM = {
    "held_on-day": "16", "held_on-month": "3", "held_on-year": "2026",
    "attendance-0-name": "Demo Team Manager", "attendance-0-role_or_agency": "Team manager",
    "attendance-0-attended": "true",
    "attendance-1-name": "Demo GP", "attendance-1-role_or_agency": "Harrogate Demo Medical Practice",
    "attendance-1-attended": "false", "attendance-1-apologies": "Surgery",
    "what_happened": "Timeline of the work with the family", "went_well": "Information shared the same day",
    "should_change": "Health visiting told of every assessment",
    "actions-0-action": "Brief the team on safer sleep", "actions-0-owner": "Team manager",
    "actions-0-due_on-day": "30", "actions-0-due_on-month": "3", "actions-0-due_on-year": "2026",
}


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


def open_steps(session, case) -> set[str]:
    return set(session.scalars(select(OpenTask.bpmn_id).where(OpenTask.subject_type == "cases",
                                                              OpenTask.subject_id == case.id)))


def debrief_mail(session, case) -> list[OutboxMessage]:
    return session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id,
                                                       OutboxMessage.kind == "debrief_request")
                           .order_by(OutboxMessage.to_address)).all()


def at_assessment_outcome(session):
    """A case with a GP practice, a mother with an e-mail address and the day-20 meeting held: the outcome step
    is open for the team manager."""
    gp = session.scalar(select(Agency).where(Agency.kind == AgencyKind.GP_PRACTICE.value))
    mother = {"full_name": "Pat Demochild", "relationship": "mother", "has_parental_responsibility": True,
              "email": "pat@family.example.org"}
    case = open_case(user(session, "sw1"), referral_answers(gp_id=gp.id, household_members=[mother]))
    take_to_assessment_outcome(case, user(session, "sw1"), user(session, "tm1"))
    return case


def test_closing_after_a_serious_incident_gives_the_team_manager_a_debrief_and_tells_those_involved(
        client, partnership, clock):
    session = partnership
    case = at_assessment_outcome(session)
    complete(user(session, "tm1"), case, "assessment_outcome", CLOSE_AFTER_INCIDENT)
    session.commit()
    assert case.stage == "closed" and open_steps(session, case) == {"debrief"}
    assert open_task(case, "debrief").role == "team_manager"
    data = runtime.workflow_data(case.workflow_instance_id)
    assert data["serious_incident"] is True and "serious_incident_summary" not in data  # narrative stays out

    # The practitioners involved, family never: the attendance the debrief starts from, and who is told.
    assert debrief_attendance(case) == [
        {"name": "Demo Team Manager", "role_or_agency": "Team manager"},
        {"name": "Demo Social Worker One", "role_or_agency": "Allocated social worker"},
        {"name": "Demo GP", "role_or_agency": "Harrogate Demo Medical Practice"}]
    mail = debrief_mail(session, case)
    assert [(m.to_address, m.subject) for m in mail] == [
        ("gp1@example.org", f"Debrief to be arranged: case {case.reference}"),
        ("sw1@example.org", f"Debrief to be arranged: case {case.reference}"),
        ("tm1@example.org", f"Debrief to hold: case {case.reference}")]
    assert not any("Demochild" in m.subject + m.body_text or "head injury" in m.body_text for m in mail)

    sign_in(client, "tm1", DEMO_PASSWORD)
    assert "Hold the debrief" in client.get("/tasks").text  # on My tasks though the case is closed
    url = f"/cases/{case.id}/steps/{open_task(case, 'debrief').task_id}"
    page = client.get(url)
    assert page.status_code == 200 and "Attendance" in page.text and "Learning: what should change" in page.text
    assert page.text.count('value="Demo Social Worker One"') == 1 and 'value="Demo GP"' in page.text  # prefilled
    done = post_form(client, url, {"_action": "submit", **DEBRIEF_FORM})
    assert done.status_code == 302, done.text

    record = session.scalar(select(StepRecord).where(StepRecord.case_id == case.id, StepRecord.bpmn_id == "debrief"))
    assert record.completed_by_id == user(session, "tm1").id
    assert record.answers["held_on"] == "2026-03-16"
    assert record.answers["attendance"] == [
        {"name": "Demo Team Manager", "role_or_agency": "Team manager", "attended": True},
        {"name": "Demo GP", "role_or_agency": "Harrogate Demo Medical Practice", "attended": False,
         "apologies": "Surgery"}]
    assert record.answers["should_change"] == "Health visiting told of every assessment"
    assert record.answers["actions"] == [{"action": "Brief the team on safer sleep", "owner": "Team manager",
                                          "due_on": "2026-03-30"}]
    session.expire_all()
    assert session.get(WorkflowInstance, case.workflow_instance_id).is_completed
    assert open_steps(session, case) == set()
    case_page = client.get(f"/cases/{case.id}").text
    assert "Hold the debrief" in case_page and "Brief the team on safer sleep" in case_page


def test_closing_without_a_serious_incident_ends_as_before(partnership, clock):
    session = partnership
    case = at_assessment_outcome(session)
    complete(user(session, "tm1"), case, "assessment_outcome",
             {"outcome": "early_help", "outcome_reasons": "x", "serious_incident": False})
    session.expire_all()
    assert session.get(Case, case.id).stage == "closed" and open_steps(session, case) == set()
    assert session.get(WorkflowInstance, case.workflow_instance_id).is_completed
    assert debrief_mail(session, case) == []


def test_a_serious_incident_without_its_summary_is_refused_and_nothing_changes(client, partnership, clock):
    session = partnership
    case = at_assessment_outcome(session)
    session.commit()
    records = session.scalar(select(func.count(StepRecord.id)))
    sign_in(client, "tm1", DEMO_PASSWORD)
    url = f"/cases/{case.id}/steps/{open_task(case, 'assessment_outcome').task_id}"
    page = post_form(client, url, {"outcome": "no_further_action", "outcome_reasons": "x",
                                   "serious_incident": "true"})
    assert page.status_code == 400
    assert "Enter the serious incident, in brief" in page.text and 'href="#serious_incident_summary"' in page.text
    page = post_form(client, url, {"outcome": "no_further_action", "outcome_reasons": "x"})
    assert page.status_code == 400 and "Select whether the case closes after a serious incident" in page.text
    session.expire_all()
    assert session.get(Case, case.id).stage == "assessment"
    assert open_steps(session, case) == {"assessment_outcome"}
    assert session.scalar(select(func.count(StepRecord.id))) == records


def test_closing_at_a_review_after_a_serious_incident_opens_the_debrief(client, partnership, clock):
    session = partnership
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers())
    take_to_first_review(case, sw1, tm1, plan_agreed_on="2026-03-02")
    hold_meeting(sw1, case)
    session.commit()
    sign_in(client, "sw1", DEMO_PASSWORD)
    form = client.get(f"/cases/{case.id}/steps/{open_task(case, 'cin_review').task_id}").text
    # The question follows "Close the case", with the summary under its "Yes".
    assert form.index('value="close"') < form.index('name="serious_incident"') < form.index(
        'name="serious_incident_summary"') < form.index('value="strategy_discussion"')
    with pytest.raises(InvalidInput) as refused:
        complete(sw1, case, "cin_review", {"progress": "x", "review_decision": "close", "closure_summary": "x"})
    assert set(refused.value.field_errors) == {"serious_incident", "reason_for_closure"}
    complete(sw1, case, "cin_review", {"progress": "x", "review_decision": "close", "closure_summary": "x",
                                       "reason_for_closure": "RC7",
                                       "serious_incident": True, "serious_incident_summary": "x"})
    check_open_work(sw1, case)  # the plan's action is open: done before the case closes
    session.commit()
    assert case.stage == "closed" and open_steps(session, case) == {"debrief"}
    assert [m.subject for m in debrief_mail(session, case)] == [f"Debrief to be arranged: case {case.reference}",
                                                               f"Debrief to hold: case {case.reference}"]


def test_a_social_worker_cannot_hold_the_debrief(client, partnership, clock):
    session = partnership
    case = at_assessment_outcome(session)
    complete(user(session, "tm1"), case, "assessment_outcome", CLOSE_AFTER_INCIDENT)
    session.commit()
    task = open_task(case, "debrief")
    sign_in(client, "sw1", DEMO_PASSWORD)
    url = f"/cases/{case.id}/steps/{task.task_id}"
    assert client.get(url).status_code == 403
    assert post_form(client, url, {"_action": "submit", **DEBRIEF_FORM}, page="/tasks").status_code == 403
    assert "Hold the debrief" not in client.get("/tasks").text
    with pytest.raises(PermissionDenied):
        complete(user(session, "sw1"), case, "debrief", {})
    assert open_steps(session, case) == {"debrief"}
