"""Running instances: start, complete a step, fire timers. Each call loads the instance under a lock, runs the
engine to the next wait, saves the state with its version counter, and refreshes the derived rows, all in the
caller's transaction (the caller commits)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select, update
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException, WorkflowException
from SpiffWorkflow.util.task import TaskState

from webapp.audit.services import record_event
from webapp.auth.roles import Role
from webapp.columns import london_time, utc_now
from webapp.database import begin_write
from webapp.errors import Conflict, DomainError, NotFound, PermissionDenied
from webapp.extensions import db
from webapp.service_handlers import SERVICE_HANDLERS
from webapp.workflow.engine import SERIALIZER, dump_state, load_state, new_workflow
from webapp.workflow.expressions import script_engine
from webapp.workflow.forms import EMPTY_FORM, validate_submission
from webapp.workflow.handlers import ServiceCall
from webapp.workflow.models import OpenTask, TaskCompletion, WorkflowInstance
from webapp.workflow.versions import current_version


TIMER_EVENTS = {"TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition"}


class WorkflowFailed(DomainError):
    """The diagram could not run to its next wait (a condition or timer failed); nothing was saved."""

    status_code = 422


class ConcurrentChange(Exception):
    """The state changed between load and save (the version counter moved)."""


@dataclass
class Loaded:
    instance: WorkflowInstance
    workflow: BpmnWorkflow


def _lock(instance_id: int) -> WorkflowInstance:
    begin_write(db.session)  # SQLite: BEGIN IMMEDIATE, so the read below is already the writer's view
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.id == instance_id)
                                 .with_for_update().execution_options(populate_existing=True))
    if instance is None:
        raise NotFound("There is no such workflow.")
    return instance


def _load(instance: WorkflowInstance) -> Loaded:
    version = instance.version
    workflow = load_state(instance.state, instance.serializer_version, version.id, version.spec)
    _attach_engine(workflow, instance)
    return Loaded(instance, workflow)


def _attach_engine(workflow: BpmnWorkflow, instance: WorkflowInstance) -> None:
    def call_handler(name: str, step: str, data: dict) -> dict | None:
        return SERVICE_HANDLERS[name].function(
            ServiceCall(instance.id, instance.subject_type, instance.subject_id, step, data))

    workflow.script_engine = script_engine(call_handler)


def _run_engine(workflow: BpmnWorkflow) -> None:
    try:
        workflow.do_engine_steps()
    except WorkflowException as error:
        raise WorkflowFailed(_explain(error)) from None


def _explain(error: WorkflowException) -> str:
    task = getattr(error, "task", None)
    step = f" at {task.task_spec.bpmn_name or task.task_spec.bpmn_id}" if task is not None else ""
    cause = error.__cause__ or error.__context__  # the evaluator's own reason, in plain words
    reason = f" ({cause})" if cause is not None else ""
    return f"The process could not continue{step}: {str(error).splitlines()[0].strip()}{reason}"


def _save(loaded: Loaded, now: datetime) -> None:
    instance, workflow = loaded.instance, loaded.workflow
    result = db.session.execute(
        update(WorkflowInstance)
        .where(WorkflowInstance.id == instance.id, WorkflowInstance.state_version == instance.state_version)
        .values(state=dump_state(workflow), state_version=instance.state_version + 1,
                serializer_version=SERIALIZER.VERSION, is_completed=workflow.is_completed(),
                next_timer_at=_next_timer(workflow), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ConcurrentChange()
    db.session.expire(instance)
    _refresh_open_tasks(instance, workflow, now)


def _next_timer(workflow: BpmnWorkflow) -> datetime | None:
    due = [datetime.fromisoformat(event.value) for event in workflow.waiting_events()
           if event.event_type in TIMER_EVENTS and isinstance(event.value, str)]
    return min(due) if due else None


def _refresh_open_tasks(instance: WorkflowInstance, workflow: BpmnWorkflow, now: datetime) -> None:
    """Replace the instance's open-task rows with its READY user tasks."""
    meta = instance.version.task_meta
    existing = {row.task_id: row for row in db.session.scalars(select(OpenTask).where(OpenTask.instance_id == instance.id))}
    ready = {str(task.id): task for task in workflow.get_tasks(state=TaskState.READY, manual=True)}
    for task_id in existing.keys() - ready.keys():
        db.session.delete(existing[task_id])
    for task_id in ready.keys() - existing.keys():
        task = ready[task_id]
        task_meta = meta.get(f"{task.task_spec._wf_spec.name}:{task.task_spec.bpmn_id}", {})
        db.session.add(OpenTask(
            instance_id=instance.id, task_id=task_id, bpmn_id=task.task_spec.bpmn_id,
            name=task.task_spec.bpmn_name or task.task_spec.bpmn_id, role=task_meta.get("role"),
            form_key=task_meta.get("form_key"), subject_type=instance.subject_type, subject_id=instance.subject_id,
            ready_at=now,
        ))
    db.session.flush()


def start_instance(process_id: str, subject_type: str, subject_id: int, data: dict | None = None, *,
                   actor=None, now: datetime | None = None) -> WorkflowInstance:
    """Start the current version of a process for a subject and run it to its first wait."""
    now = now or utc_now()
    begin_write(db.session)
    version = current_version(process_id)
    workflow = new_workflow(version.id, version.spec)
    workflow.data.update(data or {}, subject_type=subject_type, subject_id=subject_id)
    start = workflow.get_next_task(state=TaskState.READY)
    if start is not None:
        start.data.update(workflow.data)
    instance = WorkflowInstance(version_id=version.id, subject_type=subject_type, subject_id=subject_id,
                                state="{}", serializer_version=SERIALIZER.VERSION, created_at=now, updated_at=now)
    db.session.add(instance)
    db.session.flush()
    _attach_engine(workflow, instance)
    _run_engine(workflow)
    instance.state = dump_state(workflow)
    instance.is_completed = workflow.is_completed()
    instance.next_timer_at = _next_timer(workflow)
    db.session.flush()
    _refresh_open_tasks(instance, workflow, now)
    record_event("workflow.started", actor=actor, actor_label="workflow", subject=instance,
                 detail={"process_id": process_id, "version_id": version.id})
    return instance


def form_schema(instance: WorkflowInstance, form_key: str | None) -> dict:
    """The JSON Schema of a form, from the instance's deployed bundle (never from the files on disk)."""
    return instance.version.forms[form_key] if form_key else EMPTY_FORM


def _conflict_for(task_id: str, loaded: Loaded) -> Conflict:
    completion = db.session.scalar(select(TaskCompletion).where(TaskCompletion.task_id == task_id))
    if completion is not None:
        return Conflict(f"This step was completed by {completion.completed_by_label} at "
                        f"{london_time(completion.completed_at)}. Reload the page to see where the work is now.")
    return Conflict("This step is no longer waiting: the process moved on (for example a deadline passed). "
                    "Reload the page to see where the work is now.")


def complete_task(instance_id: int, task_id: str, data: dict, *, actor, now: datetime | None = None) -> WorkflowInstance:
    """Complete a READY user task with validated data and run to the next wait; conflicts are explained."""
    now = now or utc_now()
    for attempt in (1, 2):
        loaded = _load(_lock(instance_id))
        try:
            task = loaded.workflow.get_task_from_id(UUID(task_id))
        except (ValueError, TaskNotFoundException):
            task = None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise _conflict_for(task_id, loaded)
        meta = loaded.instance.version.task_meta.get(f"{task.task_spec._wf_spec.name}:{task.task_spec.bpmn_id}", {})
        if meta.get("role") and not actor.has_role(Role(meta["role"])):
            raise PermissionDenied(f"This step is for a {Role(meta['role']).label.lower()}.")
        task.data.update(validate_submission(form_schema(loaded.instance, meta.get("form_key")), data))
        task.run()
        _run_engine(loaded.workflow)
        try:
            _save(loaded, now)
        except ConcurrentChange:
            if attempt == 2:
                raise Conflict("Someone else changed this case at the same moment. Reload the page and try again.")
            continue
        db.session.add(TaskCompletion(instance_id=instance_id, task_id=task_id, bpmn_id=task.task_spec.bpmn_id,
                                      completed_by_id=actor.id, completed_by_label=actor.full_name, completed_at=now))
        record_event("workflow.task_completed", actor=actor, subject=loaded.instance,
                     detail={"step": task.task_spec.bpmn_id})
        return loaded.instance
    raise AssertionError("unreachable")


def fire_due_timers(instance_id: int, *, now: datetime | None = None) -> bool:
    """Fire the instance's timers that are due and run on; returns whether anything moved."""
    now = now or utc_now()
    loaded = _load(_lock(instance_id))
    before = loaded.instance.state_version
    loaded.workflow.refresh_timers()
    _run_engine(loaded.workflow)
    _save(loaded, now)
    record_event("workflow.timers_checked", actor_label="worker", subject=loaded.instance,
                 detail={"state_version": before + 1})
    return True


def due_instance_ids(now: datetime, limit: int = 100) -> list[int]:
    """Instances with a timer due, oldest first: the worker's query, answered from the index."""
    return list(db.session.scalars(select(WorkflowInstance.id).where(WorkflowInstance.next_timer_at <= now)
                                   .order_by(WorkflowInstance.next_timer_at).limit(limit)))


def workflow_data(instance_id: int) -> dict:
    """The instance's workflow data (for tests and diagnostics; pages read domain tables instead)."""
    instance = db.session.get(WorkflowInstance, instance_id)
    loaded = _load(instance)
    last = loaded.workflow.last_task
    return dict(loaded.workflow.data if loaded.workflow.is_completed() or last is None else last.data)


def rebuild_derived_rows(now: datetime | None = None) -> int:
    """Recompute every unfinished instance's open tasks and next timer from its state."""
    now = now or utc_now()
    count = 0
    for instance in db.session.scalars(select(WorkflowInstance).where(WorkflowInstance.is_completed.is_(False))):
        loaded = _load(instance)
        db.session.execute(delete(OpenTask).where(OpenTask.instance_id == instance.id))
        instance.next_timer_at = _next_timer(loaded.workflow)
        _refresh_open_tasks(instance, loaded.workflow, now)
        count += 1
    return count
