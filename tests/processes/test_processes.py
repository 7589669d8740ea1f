"""Process owners change a process as a draft and deploy it as a new version: validation on save, the changes
against the running version, new cases on the new version while running ones stay on theirs; hostile or broken
files refused with nothing stored; only process owners and administrators."""
import io
import json
import re
import zipfile
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from tests.cases.builders import complete, open_case, referral_answers, start_assessment
from tests.helpers import post_form, sign_in
from webapp.audit.models import AuditEvent
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.demo import DEMO_PASSWORD
from webapp.errors import InvalidInput, PermissionDenied
from webapp.processes import services
from webapp.processes.models import ProcessDraft
from webapp.workflow import runtime
from webapp.workflow.models import OpenTask, WorkflowInstance
from webapp.workflow.versions import current_version

SCREENING = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Screen the referral",
             "type": "object", "x-workflow-data": [], "required": ["screened"],
             "properties": {"screened": {"type": "boolean", "title": "Screened against the threshold document"}}}


def user(session, name) -> User:
    return session.scalar(select(User).where(User.username == name))


def with_screening_step(diagrams: dict) -> dict:
    """section17 with a new team-manager step before the referral decision, and a gateway condition changed."""
    text = diagrams["section17.bpmn"]
    text = text.replace('<bpmn:sequenceFlow id="f_decide" sourceRef="record_referral" targetRef="referral_decision"/>',
                        '<bpmn:userTask id="screen_referral" name="Screen the referral" camunda:formKey="referral_screening" '
                        'camunda:candidateGroups="team_manager"/>'
                        '<bpmn:sequenceFlow id="f_screen" sourceRef="record_referral" targetRef="screen_referral"/>'
                        '<bpmn:sequenceFlow id="f_decide" sourceRef="screen_referral" targetRef="referral_decision"/>')
    text = text.replace("outcome == 'cin_plan'</bpmn:conditionExpression>",
                        "outcome in ['cin_plan']</bpmn:conditionExpression>")
    return {**diagrams, "section17.bpmn": text}


def forms_text(forms: dict) -> dict[str, str]:
    return {key: json.dumps(schema) for key, schema in forms.items()}


def open_steps(session, case) -> set[str]:
    return {t.bpmn_id for t in session.scalars(select(OpenTask).where(OpenTask.subject_id == case.id))}


def test_a_process_owner_deploys_a_new_version_and_running_cases_stay_on_theirs(app, partnership, clock):
    session = partnership
    po1, sw1 = user(session, "po1"), user(session, "sw1")
    running = open_case(sw1, referral_answers())
    first = current_version("section17")
    draft, version = services.editing(po1, "section17")
    assert draft is None
    diagrams = with_screening_step(version.diagrams)
    forms = forms_text({**version.forms, "referral_screening": SCREENING})
    draft, problems = services.save_draft(po1, "section17", diagrams, forms, origin=NO_ORIGIN, now=running.opened_at)
    assert problems == []
    changes = services.changes(draft, version)
    assert changes.steps_added == ["Screen the referral (userTask)", "f_screen (sequenceFlow)"]
    assert "f_decide (sequenceFlow)" in changes.steps_changed  # now from the new step
    assert "Child in need plan (sequenceFlow)" in changes.steps_changed  # the gateway condition
    assert changes.forms_added == ["referral_screening"] and changes.steps_removed == []

    deployed = services.deploy(po1, "section17", origin=NO_ORIGIN)
    assert deployed.id != first.id and current_version("section17").id == deployed.id
    assert session.scalar(select(func.count(ProcessDraft.id))) == 0
    new = open_case(sw1, referral_answers(given="Nia", family="Democase"))
    assert open_steps(session, new) == {"screen_referral"}
    assert open_steps(session, running) == {"referral_decision"}  # still on version 1
    assert session.get(WorkflowInstance, running.workflow_instance_id).version_id == first.id
    assert session.get(WorkflowInstance, new.workflow_instance_id).version_id == deployed.id
    actions = {e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.actor_id == po1.id))}
    assert {"process.draft_saved", "process.deployed", "workflow.deployed"} <= actions


def test_validation_problems_are_reported_per_element_and_block_the_deploy(app, partnership):
    po1 = user(partnership, "po1")
    _, version = services.editing(po1, "section17")
    broken = version.diagrams["section17.bpmn"].replace('camunda:formKey="referral_decision"',
                                                        'camunda:formKey="no_such_form"')
    draft, problems = services.save_draft(po1, "section17", {**version.diagrams, "section17.bpmn": broken},
                                          forms_text(version.forms), origin=NO_ORIGIN, now=version.deployed_at)
    assert ("referral_decision", True) in [(p.element_id, "no_such_form" in p.message) for p in problems]
    assert {p.element_id for p in problems} >= {"to_strategy_at_referral"}  # its fields are unknown now, too
    with pytest.raises(InvalidInput):
        services.deploy(po1, "section17", origin=NO_ORIGIN)
    assert current_version("section17").id == version.id


HOSTILE = {
    "external entity": '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
    "entity expansion": '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><d>&b;</d>',
    "oversized": "<d>" + "x" * (3 * 1024 * 1024) + "</d>",
    "malformed": "<bpmn:definitions><bpmn:process>",
}


@pytest.mark.parametrize("attack", HOSTILE)
def test_hostile_and_broken_files_are_refused_with_nothing_stored(app, partnership, attack):
    po1 = user(partnership, "po1")
    _, version = services.editing(po1, "section17")
    with pytest.raises(InvalidInput) as refused:
        services.save_draft(po1, "section17", {**version.diagrams, "section17.bpmn": HOSTILE[attack]},
                            forms_text(version.forms), origin=NO_ORIGIN, now=version.deployed_at)
    assert "section17.bpmn" in refused.value.field_errors["diagram:section17.bpmn"]
    assert partnership.scalar(select(func.count(ProcessDraft.id))) == 0
    with pytest.raises(InvalidInput):
        services.save_draft(po1, "section17", version.diagrams, {**forms_text(version.forms), "referral": "{not json"},
                            origin=NO_ORIGIN, now=version.deployed_at)


def test_only_process_owners_and_administrators_edit_deploy_or_export(app, partnership, client):
    for name in ("sw1", "tm1", "sm1", "gp1", "chair1"):
        with pytest.raises(PermissionDenied):
            services.editing(user(partnership, name), "section17")
        with pytest.raises(PermissionDenied):
            services.deploy(user(partnership, name), "section17", origin=NO_ORIGIN)
    sign_in(client, "tm1", DEMO_PASSWORD)
    assert client.get("/processes/section17").status_code == 403
    client.post("/sign-out", data={})
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, "po1", DEMO_PASSWORD)
    page = client.get("/processes/section17")
    assert page.status_code == 200 and "Diagram section17.bpmn" in page.text
    saved = post_form(client, "/processes/section17", {
        "action": "save", **{f"diagram:{k}": v for k, v in with_screening_step(
            current_version("section17").diagrams).items()},
        **{f"form:{k}": v for k, v in forms_text({**current_version("section17").forms,
                                                 "referral_screening": SCREENING}).items()}})
    assert saved.status_code == 302
    page = client.get("/processes/section17")
    assert "Screen the referral (userTask)" in page.text and "Deploy as a new version" in page.text
    archive = zipfile.ZipFile(io.BytesIO(client.get("/processes/section17/export.zip").data))
    assert {"section17.bpmn", "multi_agency_meeting.bpmn", "forms/referral.json"} <= set(archive.namelist())
    assert partnership.scalar(select(func.count(Case.id))) == 0


def test_a_running_case_moves_to_the_new_version_where_safe_and_continues(app, partnership, clock):
    session = partnership
    po1, sw1, tm1 = user(session, "po1"), user(session, "sw1"), user(session, "tm1")
    running = open_case(sw1, referral_answers())
    _, version = services.editing(po1, "section17")
    services.save_draft(po1, "section17", with_screening_step(version.diagrams),
                        forms_text({**version.forms, "referral_screening": SCREENING}), origin=NO_ORIGIN,
                        now=running.opened_at)
    deployed = services.deploy(po1, "section17", origin=NO_ORIGIN)
    preview, = services.running_on_older_versions(po1, "section17")
    assert preview.check.safe and preview.check.current_steps == ["Decide on the referral"]
    assert services.migrate_instances(po1, "section17", [running.workflow_instance_id], origin=NO_ORIGIN,
                                      now=running.opened_at) == 1
    session.expire_all()
    assert session.get(WorkflowInstance, running.workflow_instance_id).version_id == deployed.id
    assert open_steps(session, running) == {"referral_decision"}  # the new step lies behind it
    complete(tm1, running, "referral_decision", {"decision": "section17_assessment", "allocated_worker_id": sw1.id,
                                                 "decision_reasons": "x", "referrer_acknowledged": False})
    assert "assessment" in open_steps(session, running)  # and it carries on on version 2
    assert services.running_on_older_versions(po1, "section17") == []
    migrated = session.scalars(select(AuditEvent).where(AuditEvent.action == "workflow.migrated")).one()
    assert migrated.detail == {"from_version": version.id, "to_version": deployed.id}


def without_assessment_late(text: str) -> str:
    """section17 with its "why is the assessment late" step taken out: the timescale passing just ends there."""
    lines = [line for line in text.splitlines(keepends=True)
             if 'id="assessment_late"' not in line and 'id="f_lateness"' not in line
             and "<bpmn:flowNodeRef>assessment_late</bpmn:flowNodeRef>" not in line]
    return "".join(lines).replace('targetRef="assessment_late"', 'targetRef="lateness_recorded"')


def test_a_case_at_a_step_the_new_version_removed_is_not_moved(app, partnership, clock):
    """A case waiting on a step the new version took out stays on its version (a step no code relies on: one
    that code relies on is refused at deploy, tests/workflows/test_diagram_contract.py)."""
    session = partnership
    po1, sw1, tm1 = user(session, "po1"), user(session, "sw1"), user(session, "tm1")
    running = open_case(sw1, referral_answers())
    start_assessment(running, sw1, tm1)
    clock.move_to(datetime(2026, 5, 8, 9, 0, tzinfo=timezone.utc))  # past the 45 working days
    runtime.fire_due_timers(running.workflow_instance_id)
    assert "assessment_late" in {task.bpmn_id for task in session.scalars(
        select(OpenTask).where(OpenTask.instance_id == running.workflow_instance_id))}
    _, version = services.editing(po1, "section17")
    text = without_assessment_late(version.diagrams["section17.bpmn"])
    draft, problems = services.save_draft(po1, "section17", {**version.diagrams, "section17.bpmn": text},
                                          forms_text(version.forms), origin=NO_ORIGIN, now=running.opened_at)
    assert problems == [], problems
    services.deploy(po1, "section17", origin=NO_ORIGIN)
    preview, = services.running_on_older_versions(po1, "section17")
    assert not preview.check.safe
    assert ("it is at the step 'Record why the assessment is late', which the new version no longer has"
            in preview.check.reasons)
    with pytest.raises(InvalidInput) as refused:
        services.migrate_instances(po1, "section17", [running.workflow_instance_id], origin=NO_ORIGIN,
                                   now=running.opened_at)
    assert "Record why the assessment is late" in refused.value.field_errors[f"instance-{running.workflow_instance_id}"]
    session.expire_all()
    assert session.get(WorkflowInstance, running.workflow_instance_id).version_id == version.id


def test_a_case_inside_a_call_activity_moves_with_it(app, partnership, clock):
    """The day-20 meeting runs as a call activity: the called process's new version applies to it too."""
    from datetime import datetime, timedelta, timezone

    from tests.cases.builders import convene
    from tests.meetings.test_links import at_day_20_meeting

    session, po1 = partnership, user(partnership, "po1")
    case, sw1 = at_day_20_meeting(session)
    _, version = services.editing(po1, "section17")
    meeting = version.diagrams["multi_agency_meeting.bpmn"].replace(
        'name="Send the invitations"', 'name="Send each invitee their invitation"')
    services.save_draft(po1, "section17", {**version.diagrams, "multi_agency_meeting.bpmn": meeting},
                        forms_text(version.forms), origin=NO_ORIGIN, now=case.opened_at)
    deployed = services.deploy(po1, "section17", origin=NO_ORIGIN)
    preview, = services.running_on_older_versions(po1, "section17")
    assert preview.check.safe and preview.check.current_steps == ["Carry out the assessment",
                                                                 "Convene the multi-agency meeting"]
    services.migrate_instances(po1, "section17", [case.workflow_instance_id], origin=NO_ORIGIN, now=case.opened_at)
    made = convene(sw1, case, "convene_by_day_20", datetime.now(timezone.utc) + timedelta(days=3))
    assert made.invitations_sent_at is not None  # the new version's "send" step ran inside the call activity
    assert session.get(WorkflowInstance, case.workflow_instance_id).version_id == deployed.id


def test_an_uploaded_diagram_with_a_doctype_is_refused_on_the_page(app, partnership, client):
    sign_in(client, "po1", DEMO_PASSWORD)
    page = client.get("/processes/section17")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    hostile = HOSTILE["external entity"].encode()
    refused = client.post("/processes/section17", data={
        "csrf_token": token, "action": "save", "upload": (io.BytesIO(hostile), "section17.bpmn")},
        content_type="multipart/form-data")
    assert refused.status_code == 400 and "DOCTYPE and ENTITY declarations are not allowed" in refused.text
    assert partnership.scalar(select(func.count(ProcessDraft.id))) == 0


def test_moving_cases_is_for_process_owners_and_administrators(app, partnership):
    with pytest.raises(PermissionDenied):
        services.migrate_instances(user(partnership, "tm1"), "section17", [1], origin=NO_ORIGIN, now=None)
    with pytest.raises(PermissionDenied):
        services.running_on_older_versions(user(partnership, "sw1"), "section17")
