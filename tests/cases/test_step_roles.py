"""One role rule for a step: a step whose diagram names several roles (candidateGroups "a,b") is anyone's who holds
one of them, on the case page and the step page as in the runtime; each role still within the case's own rule."""
import pytest
from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.cases import services, steps
from webapp.cases.queries import my_tasks
from webapp.errors import NotFound, PermissionDenied
from webapp.workflow import runtime
from webapp.workflow.bundles import Library
from webapp.workflow.models import OpenTask
from webapp.workflow.versions import deploy_bundle

SHARED_STEP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="shared_definitions"
                  targetNamespace="http://example.org/cin-tests">
  <bpmn:process id="shared_check" name="A check either may do" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="check" name="Check the chronology" camunda:formKey="note"
                   camunda:candidateGroups="social_worker,team_manager"/>
    <bpmn:endEvent id="done"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>"""
NOTE = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Note", "type": "object",
        "properties": {"seen": {"type": "boolean", "title": "Seen"}}}


def user(session, name) -> User:
    return session.scalar(select(User).where(User.username == name))


@pytest.fixture
def shared_step(partnership, clock):
    session = partnership
    library = Library({"shared_check.bpmn": SHARED_STEP}, {"note": NOTE})
    deploy_bundle(library.bundle("shared_check"), library)
    case = open_case(user(session, "sw1"), referral_answers())
    instance_id = runtime.start_instance("shared_check", "cases", case.id, actor=user(session, "sw1"))
    task = session.scalar(select(OpenTask).where(OpenTask.instance_id == instance_id))
    return case, task


def test_the_open_step_keeps_every_role_its_diagram_names(shared_step):
    _, task = shared_step
    assert task.role == "social_worker" and task.role_values == ("social_worker", "team_manager")


def test_a_team_manager_may_do_a_step_named_for_either_role(partnership, shared_step):
    case, task = shared_step
    manager = user(partnership, "tm1")
    listed, = [step for step in services.view_case(manager, case.id, origin=NO_ORIGIN, now=case.opened_at).open_steps
               if step.task_id == task.task_id]
    assert listed.mine
    opened = steps.open_step(manager, case.id, task.task_id, origin=NO_ORIGIN)
    steps.record_step(manager, case, opened.task, {"seen": True}, origin=NO_ORIGIN, now=case.opened_at)
    assert partnership.scalar(select(OpenTask).where(OpenTask.task_id == task.task_id)) is None


def test_each_role_still_keeps_to_the_case_s_own_rule(partnership, shared_step, factory):
    """A second social worker of the team may not do it (the case is allocated to sw1); a team manager of
    another team does not even see the case."""
    case, task = shared_step
    case.allocated_worker_id = user(partnership, "sw1").id
    colleague = factory.user(Role.SOCIAL_WORKER, team=case.team)
    with pytest.raises(PermissionDenied) as refused:
        steps.open_step(colleague, case.id, task.task_id, origin=NO_ORIGIN)
    assert str(refused.value) == "'Check the chronology' is for the case's social worker or team manager."
    listed, = [step for step in services.view_case(colleague, case.id, origin=NO_ORIGIN, now=case.opened_at)
               .open_steps if step.task_id == task.task_id]
    assert not listed.mine
    with pytest.raises(NotFound):
        steps.open_step(factory.user(Role.TEAM_MANAGER), case.id, task.task_id, origin=NO_ORIGIN)


def test_a_step_named_for_either_role_is_on_the_task_list_of_both(partnership, shared_step):
    case, task = shared_step
    for name in ("sw1", "tm1"):
        assert task.task_id in {row.task_id for row in my_tasks(user(partnership, name))}, name
