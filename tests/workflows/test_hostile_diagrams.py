"""Diagrams that try to run code are refused at deploy, or fail harmlessly at run time with a clear message."""
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.workflows.test_validation import GATEWAY, TIMER, diagram, problems_of, write
from webapp.auth.roles import Role
from webapp.workflow import runtime
from webapp.workflow.expressions import ExpressionError, RestrictedEnvironment, ScriptsNotAllowed, evaluate
from webapp.workflow.models import OpenTask, WorkflowInstance
from webapp.workflow.versions import DeployRefused, deploy_directory

CANARY = "/tmp/cin-workflow-pwned"
ATTACKS = {
    "import": (f"__import__('os').system('touch {CANARY}') == 0", "__import__"),
    "open": ("open('/etc/hostname').read() == ''", "calls open()"),
    "subclasses": ("().__class__.__base__.__subclasses__() == []", "forbidden attribute __class__"),
}


@pytest.fixture(autouse=True)
def no_canary():
    Path(CANARY).unlink(missing_ok=True)
    yield
    assert not Path(CANARY).exists(), "a diagram ran code on the server"


@pytest.mark.parametrize("attack", ATTACKS, ids=str)
def test_condition_attacks_are_refused_at_deploy(tmp_path, db_session, attack):
    condition, message = ATTACKS[attack]
    write(tmp_path, diagram(GATEWAY.format(condition=condition.replace("'", "&apos;"))))
    with pytest.raises(DeployRefused) as refused:
        deploy_directory(tmp_path)
    assert any(p.element_id == "f_cond" and message in p.message for p in refused.value.problems), \
        [str(p) for p in refused.value.problems]
    assert db_session.scalar(select(WorkflowInstance)) is None


@pytest.mark.parametrize("attack", ATTACKS, ids=str)
def test_timer_attacks_are_refused_at_deploy(tmp_path, attack):
    value, message = ATTACKS[attack]
    write(tmp_path, diagram(TIMER.format(value=value.replace("'", "&apos;"))))
    assert any(p.element_id == "late" and message in p.message for p in problems_of(tmp_path))


def test_script_tasks_and_camunda_scripts_are_refused(tmp_path):
    write(tmp_path, diagram(
        '<bpmn:scriptTask id="run" name="Run"><bpmn:script>__import__("os").system("id")</bpmn:script></bpmn:scriptTask>'
        '<bpmn:task id="listened" name="Listened"><bpmn:extensionElements><camunda:executionListener event="start">'
        '<camunda:script scriptFormat="groovy">println "x"</camunda:script></camunda:executionListener>'
        '</bpmn:extensionElements></bpmn:task>'))
    messages = {(p.element_id, p.message) for p in problems_of(tmp_path)}
    assert ("run", "script tasks are not run; use a service task naming a handler") in messages
    assert ("listened", "execution listeners run Java or scripts and are not supported") in messages


@pytest.mark.parametrize("expression", [attack for attack, _ in ATTACKS.values()]
                         + ["'a' * 10**9", "10 ** 10 ** 10", "[0] * 10**9"])
def test_the_evaluator_refuses_every_attack_even_past_validation(expression):
    with pytest.raises(ExpressionError):
        evaluate(expression, {})


def test_scripts_never_run_even_past_validation():
    with pytest.raises(ScriptsNotAllowed):
        RestrictedEnvironment().execute(f"import os; os.system('touch {CANARY}')", {})


def test_huge_string_at_run_time_fails_harmlessly_with_a_clear_message(tmp_path, db_session, factory):
    """'a' * 10**9 passes the static checks, so it is stopped by the evaluator when the gateway runs."""
    text = diagram(GATEWAY.format(condition="decision * 1000000000 == 'x'"))
    write(tmp_path, text.replace('sourceRef="step" targetRef="end"', 'sourceRef="step" targetRef="gate"'))
    deploy_directory(tmp_path)
    worker = factory.user(Role.SOCIAL_WORKER)
    instance_id = runtime.start_instance("checked", "cases", 1, actor=worker)
    db_session.commit()
    step = db_session.scalar(select(OpenTask).where(OpenTask.instance_id == instance_id))
    with pytest.raises(runtime.WorkflowFailed) as failed:
        runtime.complete_task(instance_id, step.task_id, {"decision": "a"}, actor=worker)
    assert "The process could not continue" in str(failed.value) and "IterableTooLong" in str(failed.value)
    db_session.rollback()
    assert db_session.get(WorkflowInstance, instance_id).state_version == 2
    assert db_session.scalar(select(OpenTask.bpmn_id).where(OpenTask.instance_id == instance_id)) == "step"


def test_no_workflow_ever_holds_spiffworkflows_default_eval_engine(db_session, factory):
    """Every way a workflow comes to exist (new, loaded, loaded for a timer or a re-arm) has the restricted one."""
    from tests.workflows.conftest import DIAGRAMS
    from webapp.workflow.engine import new_workflow
    from webapp.workflow.state import lock_and_load
    from webapp.workflow.versions import deployed_version

    deploy_directory(DIAGRAMS)
    instance_id = runtime.start_instance("deadline", "cases", 1, {"referral_on": "2026-03-02"},
                                         actor=factory.user(Role.SOCIAL_WORKER))
    loaded = lock_and_load(instance_id)
    fresh = new_workflow(loaded.version.specs)
    for workflow in (loaded.workflow, fresh, lock_and_load(instance_id, lock=False).workflow):
        assert isinstance(workflow.script_engine.environment, RestrictedEnvironment)
    assert deployed_version(loaded.version.id) is loaded.version
