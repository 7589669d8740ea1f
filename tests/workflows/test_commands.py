"""`flask workflows deploy | validate | list | rebuild-derived`, and states kept across serializer versions."""
from sqlalchemy import delete, select, update

from tests.workflows.conftest import DIAGRAMS, open_tasks
from webapp.auth.roles import Role
from webapp.workflow import runtime
from webapp.workflow.models import OpenTask, WorkflowInstance, WorkflowVersion
from webapp.workflow.versions import forget_deployed_versions


def test_deploy_stores_each_bundle_once(app, committed_db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["workflows", "deploy", "--directory", str(DIAGRAMS)])
    assert first.exit_code == 0, first.output
    assert "review_loop: deployed as version" in first.output and "meeting_parent: deployed" in first.output
    again = runner.invoke(args=["workflows", "deploy", "--directory", str(DIAGRAMS)])
    assert "review_loop: unchanged, current stored version" in again.output
    committed_db.commit()
    assert committed_db.scalar(select(WorkflowVersion.id).where(WorkflowVersion.process_id == "meeting_child")) is None
    bundle = committed_db.scalar(select(WorkflowVersion).where(WorkflowVersion.process_id == "meeting_parent"))
    assert set(bundle.diagrams) == {"meeting_parent.bpmn", "meeting_child.bpmn"}
    assert set(bundle.forms) == {"prepare", "note", "meeting_record"}


def test_deploy_refuses_everything_when_one_diagram_has_a_problem(app, committed_db, tmp_path):
    for path in DIAGRAMS.glob("*.bpmn"):
        (tmp_path / path.name).write_text(path.read_text())
    (tmp_path / "forms").mkdir()
    for path in (DIAGRAMS / "forms").glob("*.json"):
        (tmp_path / "forms" / path.name).write_text(path.read_text())
    broken = (tmp_path / "deadline.bpmn").read_text().replace("working_days_after(referral_on, 1)",
                                                              "working_days_after(referal_on, 1)")
    (tmp_path / "deadline.bpmn").write_text(broken)
    result = app.test_cli_runner().invoke(args=["workflows", "deploy", "--directory", str(tmp_path)])
    assert result.exit_code == 1
    assert "deadline.bpmn:" in result.output and "unknown name 'referal_on'" in result.output
    assert "Nothing deployed: 1 problem(s)." in result.output
    committed_db.commit()
    assert committed_db.scalar(select(WorkflowVersion.id)) is None


def test_list_shows_versions_and_running_instances(app, committed_db, committed_deployed, committed_factory):
    worker = committed_factory.user(Role.SOCIAL_WORKER)
    runtime.start_instance("review_loop", "cases", 1, actor=worker)
    runtime.start_instance("review_loop", "cases", 2, actor=worker)
    committed_db.commit()
    output = app.test_cli_runner().invoke(args=["workflows", "list"]).output
    line, = [line for line in output.splitlines() if line.startswith("review_loop")]
    assert f"version {committed_deployed['review_loop'].id}" in line and line.endswith("2 running")
    assert "by flask workflows deploy" in line


def test_rebuild_derived_command(app, committed_db, committed_deployed, committed_factory):
    worker = committed_factory.user(Role.SOCIAL_WORKER)
    instance_id = runtime.start_instance("parallel_checks", "cases", 1, actor=worker)
    committed_db.commit()
    before = {name: row.task_id for name, row in open_tasks(committed_db, instance_id).items()}
    committed_db.execute(delete(OpenTask))
    committed_db.commit()
    result = app.test_cli_runner().invoke(args=["workflows", "rebuild-derived"])
    assert "Rebuilt the derived rows of 1 instance(s)." in result.output
    committed_db.commit()
    assert {name: row.task_id for name, row in open_tasks(committed_db, instance_id).items()} == before


def test_state_from_an_older_serializer_is_migrated_on_load(db_session, deployed, factory):
    worker = factory.user(Role.SOCIAL_WORKER)
    manager = factory.user(Role.TEAM_MANAGER, team=worker.team)
    instance_id = runtime.start_instance("review_loop", "cases", 1, actor=worker)
    db_session.execute(update(WorkflowInstance).where(WorkflowInstance.id == instance_id)
                       .values(serializer_version="1.4"))
    forget_deployed_versions()
    runtime.complete_task(instance_id, open_tasks(db_session, instance_id)["record"].task_id, {"visits": 1},
                          actor=worker)
    assert db_session.scalar(select(WorkflowInstance.serializer_version)
                             .where(WorkflowInstance.id == instance_id)) == "1.5"
    runtime.complete_task(instance_id, open_tasks(db_session, instance_id)["review"].task_id,
                          {"outcome": "done"}, actor=manager)
    assert db_session.get(WorkflowInstance, instance_id).is_completed
