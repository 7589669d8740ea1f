"""The runtime drives real diagrams through the database: lanes, gateways, timers, call activities, loops."""
from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import delete, select

from tests.workflows.conftest import open_tasks
from webapp.audit.models import AuditEvent
from webapp.auth.roles import Role
from webapp.columns import utc_now
from webapp.errors import Conflict, InvalidInput, PermissionDenied
from webapp.workflow import runtime
from webapp.workflow.state import lock_and_load
from webapp.workflow.versions import forget_deployed_versions
from webapp.workflow.models import OpenTask, WorkflowInstance


@pytest.fixture
def people(factory):
    team = factory.team()
    return {"sw": factory.user(Role.SOCIAL_WORKER, team=team, full_name="Sam Worker"),
            "tm": factory.user(Role.TEAM_MANAGER, team=team, full_name="Tara Manager"),
            "sm": factory.user(Role.SENIOR_MANAGER)}


def _reloaded(db_session, instance_id):
    """Forget everything in memory, as a new request would: the next step starts from the database."""
    db_session.commit()
    db_session.expire_all()
    forget_deployed_versions()
    return db_session.get(WorkflowInstance, instance_id)


def test_loop_with_lanes_gateway_and_service_task(db_session, deployed, people):
    instance_id = runtime.start_instance("review_loop", "cases", 41, actor=people["sw"])
    for visit in range(3):
        instance = _reloaded(db_session, instance_id)
        record = open_tasks(db_session, instance_id)["record"]
        assert (record.role, record.form_key, record.name) == ("social_worker", "loop_record", "Record the visit")
        runtime.complete_task(instance_id, record.task_id, {"visits": visit}, actor=people["sw"])
        instance = _reloaded(db_session, instance_id)
        review = open_tasks(db_session, instance_id)["review"]
        assert review.role == "team_manager" and review.subject_id == 41
        runtime.complete_task(instance_id, review.task_id, {"outcome": "again" if visit < 2 else "done"},
                              actor=people["tm"])
    instance = _reloaded(db_session, instance_id)
    assert instance.is_completed and open_tasks(db_session, instance_id) == {}
    assert instance.state_version == 8 and instance.serializer_version  # one save at start (2), one per step
    data = runtime.workflow_data(instance_id)
    assert data["visits"] == 2 and data["outcome"] == "done"
    milestone = db_session.get(AuditEvent, data["milestone_recorded"])
    assert milestone.action == "workflow.milestone" and milestone.detail["step"] == "milestone"


def test_steps_are_for_their_lane_and_a_wrong_role_changes_nothing(db_session, deployed, people):
    instance_id = runtime.start_instance("review_loop", "cases", 1, actor=people["sw"])
    record = open_tasks(db_session, instance_id)["record"]
    with pytest.raises(PermissionDenied, match="for a social worker"):
        runtime.complete_task(instance_id, record.task_id, {"visits": 1}, actor=people["tm"])
    assert _reloaded(db_session, instance_id).state_version == 2
    assert "record" in open_tasks(db_session, instance_id)


def test_invalid_answers_are_explained_per_field_and_change_nothing(db_session, deployed, people):
    instance_id = runtime.start_instance("review_loop", "cases", 1, actor=people["sw"])
    record = open_tasks(db_session, instance_id)["record"]
    with pytest.raises(InvalidInput) as refused:
        runtime.complete_task(instance_id, record.task_id, {}, actor=people["sw"])
    assert refused.value.field_errors == {"visits": "Enter the number of visits"}
    with pytest.raises(InvalidInput) as refused:
        runtime.complete_task(instance_id, record.task_id, {"visits": -3}, actor=people["sw"])
    assert "visits" in refused.value.field_errors
    assert _reloaded(db_session, instance_id).state_version == 2


def test_unknown_fields_never_reach_workflow_data(db_session, deployed, people):
    instance_id = runtime.start_instance("review_loop", "cases", 1, actor=people["sw"])
    record = open_tasks(db_session, instance_id)["record"]
    runtime.complete_task(instance_id, record.task_id, {"visits": 1, "child_name": "not wanted"}, actor=people["sw"])
    assert "child_name" not in runtime.workflow_data(instance_id)


def test_the_same_step_twice_is_a_clear_conflict(db_session, deployed, people, clock):
    instance_id = runtime.start_instance("review_loop", "cases", 1, actor=people["sw"])
    record = open_tasks(db_session, instance_id)["record"]
    runtime.complete_task(instance_id, record.task_id, {"visits": 1}, actor=people["sw"])
    _reloaded(db_session, instance_id)
    with pytest.raises(Conflict, match=r"completed by Sam Worker at 2 Mar 2026 09:00"):
        runtime.complete_task(instance_id, record.task_id, {"visits": 2}, actor=people["sw"])


def test_parallel_branches_join(db_session, deployed, people):
    instance_id = runtime.start_instance("parallel_checks", "cases", 7, actor=people["sw"])
    tasks = open_tasks(db_session, instance_id)
    assert set(tasks) == {"see_child", "check_records"}
    runtime.complete_task(instance_id, tasks["check_records"].task_id, {"seen": True}, actor=people["tm"])
    assert set(open_tasks(db_session, instance_id)) == {"see_child"}
    runtime.complete_task(instance_id, tasks["see_child"].task_id, {"seen": True}, actor=people["sw"])
    assert set(open_tasks(db_session, instance_id)) == {"conclude"}


def test_boundary_timers_in_working_days_and_bare_iso(db_session, deployed, people, clock):
    # Friday 19 Dec 2025: one working day later is Monday 22 Dec, end of day.
    clock.move_to("2025-12-19T10:00:00+00:00")
    instance_id = runtime.start_instance("deadline", "cases", 3, {"referral_on": "2025-12-19"}, actor=people["sw"])
    instance = _reloaded(db_session, instance_id)
    assert instance.next_timer_at.isoformat() == "2025-12-19T14:00:00+00:00"  # the PT4H reminder
    decide = open_tasks(db_session, instance_id)["decide"]

    clock.shift(timedelta(hours=4, seconds=1))
    assert runtime.claim_due_instance(utc_now()) == instance_id  # the worker's indexed query
    runtime.fire_due_timers(instance_id)
    instance = _reloaded(db_session, instance_id)
    assert set(open_tasks(db_session, instance_id)) == {"decide", "read_reminder"}  # non-interrupting
    assert instance.next_timer_at.isoformat() == "2025-12-22T23:59:59+00:00"

    clock.move_to("2025-12-22T23:00:00+00:00")
    assert runtime.claim_due_instance(utc_now()) is None
    clock.move_to("2025-12-23T00:00:00+00:00")
    runtime.fire_due_timers(instance_id)
    instance = _reloaded(db_session, instance_id)
    tasks = open_tasks(db_session, instance_id)
    assert set(tasks) == {"escalate", "read_reminder"} and tasks["escalate"].role == "senior_manager"
    with pytest.raises(Conflict, match="no longer waiting"):
        runtime.complete_task(instance_id, decide.task_id, {}, actor=people["tm"])


def test_call_activity_passes_only_declared_inputs_and_outputs(db_session, deployed, people):
    instance_id = runtime.start_instance("meeting_parent", "cases", 9, actor=people["sw"])
    prepare = open_tasks(db_session, instance_id)["prepare"]
    runtime.complete_task(instance_id, prepare.task_id, {"meeting_type": "review", "private_note_id": 12},
                          actor=people["sw"])
    _reloaded(db_session, instance_id)
    record = open_tasks(db_session, instance_id)["record_meeting"]
    assert record.role == "team_manager"
    loaded = lock_and_load(instance_id, lock=False).workflow
    child_task = loaded.get_task_from_id(UUID(record.task_id))
    assert child_task.data == {"meeting_type": "review"}  # nothing else of the case went in
    runtime.complete_task(instance_id, record.task_id, {"meeting_outcome": "continue"}, actor=people["tm"])
    _reloaded(db_session, instance_id)
    data = runtime.workflow_data(instance_id)
    assert data["meeting_outcome"] == "continue" and data["private_note_id"] == 12
    assert set(open_tasks(db_session, instance_id)) == {"after"}


def test_instances_stay_on_their_version(db_session, deployed, people, tmp_path):
    from tests.workflows.conftest import DIAGRAMS
    from webapp.workflow.versions import deploy_directory

    old_id = runtime.start_instance("review_loop", "cases", 1, actor=people["sw"])
    changed = (DIAGRAMS / "review_loop.bpmn").read_text().replace('name="Record the visit"', 'name="Record the home visit"')
    (tmp_path / "forms").mkdir()
    (tmp_path / "review_loop.bpmn").write_text(changed)
    for form in (DIAGRAMS / "forms").glob("loop_*.json"):
        (tmp_path / "forms" / form.name).write_text(form.read_text())
    result, = deploy_directory(tmp_path)
    assert result.created and result.version.id != deployed["review_loop"].id
    new_id = runtime.start_instance("review_loop", "cases", 2, actor=people["sw"])
    assert open_tasks(db_session, new_id)["record"].name == "Record the home visit"
    assert open_tasks(db_session, old_id)["record"].name == "Record the visit"
    record = open_tasks(db_session, old_id)["record"]
    runtime.complete_task(old_id, record.task_id, {"visits": 1}, actor=people["sw"])
    assert _reloaded(db_session, old_id).version_id == deployed["review_loop"].id


def test_rebuild_derived_rows_restores_open_tasks_and_timers(db_session, deployed, people, clock):
    instance_id = runtime.start_instance("deadline", "cases", 3, {"referral_on": "2026-03-02"}, actor=people["sw"])
    before = {k: (v.task_id, v.role) for k, v in open_tasks(db_session, instance_id).items()}
    instance = db_session.get(WorkflowInstance, instance_id)
    timer = instance.next_timer_at
    assert timer is not None
    db_session.execute(delete(OpenTask).where(OpenTask.instance_id == instance_id))
    instance.next_timer_at = None
    db_session.flush()
    assert runtime.rebuild_derived_rows() == 1
    assert {k: (v.task_id, v.role) for k, v in open_tasks(db_session, instance_id).items()} == before
    assert _reloaded(db_session, instance_id).next_timer_at == timer


def test_workflow_state_holds_no_spec(db_session, deployed, people):
    instance_id = runtime.start_instance("review_loop", "cases", 1, actor=people["sw"])
    state = db_session.scalar(select(WorkflowInstance.state).where(WorkflowInstance.id == instance_id))
    assert '"spec"' not in state and "Record the visit" not in state and '"tasks"' in state
