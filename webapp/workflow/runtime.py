"""Running instances: start one, complete a step, fire due timers. Each call locks and loads the instance,
runs the engine to the next wait, saves the state with its version counter and refreshes the derived rows,
all in the caller's transaction: the caller commits (and rolls back on any error, so nothing half-done stays)."""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, insert, select
from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition as CamundaMessage
from SpiffWorkflow.exceptions import TaskNotFoundException, WorkflowException
from SpiffWorkflow.util.task import TaskState

from webapp.audit.services import record_event
from webapp.columns import london_time, utc_now
from webapp.database import begin_write, database_cause
from webapp.errors import Conflict, DomainError, PermissionDenied
from webapp.extensions import db
from webapp.workflow.engine import new_workflow
from webapp.workflow.expressions import script_engine
from webapp.workflow.forms import validate_submission, workflow_fields
from webapp.workflow.handlers import ServiceCall
from webapp.workflow.models import OpenTask, RearmRequest, TaskCompletion, WorkflowInstance
from webapp.workflow.state import (
    Loaded, insert_instance, lock_and_load, next_timer, refresh_open_tasks, refresh_timer_rows, save, stored_timers,
    update_due_dates,
)
from webapp.workflow.versions import current_version, deployed_version
from webapp.workflow.wiring import wired


_RECORD_COMPLETION = insert(TaskCompletion.__table__)


class WorkflowFailed(DomainError):
    """The diagram could not run to its next wait (a condition or timer failed); nothing was saved."""

    status_code = 422


def _attach_handlers(loaded: Loaded, now: datetime | None) -> Loaded:
    """The restricted engine, with service tasks dispatched to the handler table for this instance; a handler
    is told the time of the step or timer that ran it (None only where no step runs: reading an instance)."""

    def call_handler(name: str, step: str, properties: dict, data: dict) -> dict | None:
        return wired().handlers[name].function(
            ServiceCall(loaded.instance_id, loaded.subject_type, loaded.subject_id, step, data, properties,
                        now or utc_now()))

    loaded.workflow.script_engine = script_engine(call_handler)
    return loaded


def _load(instance_id: int, now: datetime | None = None, *, lock: bool = True) -> Loaded:
    return _attach_handlers(lock_and_load(instance_id, lock=lock), now)


def _run(loaded: Loaded) -> None:
    """Run the engine to the next wait. A database error met by an expression or a service task is no fault of
    the diagram: it goes on as itself, never as a process failure showing its SQL. A lost connection or a
    transaction the database gave up then runs the request once more or answers 503, and the worker tries
    again next pass; any other database error is the service's fault (500, logged)."""
    try:
        loaded.workflow.do_engine_steps()
        return
    except Exception as error:  # SpiffWorkflow wraps what expressions and service tasks raise
        database_error = database_cause(error)
        if database_error is None:
            if isinstance(error, WorkflowException):
                raise WorkflowFailed(_explain(error)) from None
            raise
    raise database_error  # outside the except block: the database's own error, not chained onto SpiffWorkflow's


def _explain(error: WorkflowException) -> str:
    task = getattr(error, "task", None)
    step = f" at {task.task_spec.bpmn_name or task.task_spec.bpmn_id}" if task is not None else ""
    cause = error.__cause__ or error.__context__  # the evaluator's own reason, in plain words
    reason = f" ({cause})" if cause is not None else ""
    return f"The process could not continue{step}: {str(error).splitlines()[0].strip()}{reason}"


def start_instance(process_id: str, subject_type: str, subject_id: int, data: dict | None = None, *,
                   actor=None, now: datetime | None = None) -> int:
    """Start the current version of a process for a subject, run it to its first wait; returns the id."""
    now = now or utc_now()
    begin_write(db.session)
    version = deployed_version(current_version(process_id).id)
    workflow = new_workflow(version.specs)
    workflow.data.update(data or {}, subject_type=subject_type, subject_id=subject_id)
    start = workflow.get_next_task(state=TaskState.READY)
    if start is not None:
        start.data.update(workflow.data)
    loaded = _attach_handlers(insert_instance(version, subject_type, subject_id, workflow, now), now)
    _run(loaded)
    save(loaded, now)
    record_event("workflow.started", actor=actor, actor_label="workflow", subject=("workflow_instances", loaded.instance_id),
                 detail={"process_id": process_id, "version_id": version.id})
    return loaded.instance_id


def explain_missing_task(task_id: str) -> Conflict:
    completion = db.session.execute(select(TaskCompletion.completed_by_label, TaskCompletion.completed_at)
                                    .where(TaskCompletion.task_id == task_id)).one_or_none()
    if completion is not None:
        return Conflict(f"This step was completed by {completion.completed_by_label} at "
                        f"{london_time(completion.completed_at)}. Reload the page to see where the work is now.")
    return Conflict("This step is no longer waiting: the process moved on (for example a deadline passed). "
                    "Reload the page to see where the work is now.")


def complete_task(instance_id: int, task_id: str, data: dict, *, actor, now: datetime | None = None) -> dict:
    """Complete a READY user task with validated answers and run to the next wait; returns the answers (the
    form's fields only) for the caller to keep. Only the form's `x-workflow-data` fields enter workflow data.

    The instance is locked before its state is read, so a step always starts from the latest state: a
    parallel branch or a timer completed meanwhile is simply part of it. Only the same task done meanwhile
    is a conflict, reported with who did it and when."""
    now = now or utc_now()
    loaded = _load(instance_id, now)
    try:
        task = loaded.workflow.get_task_from_id(UUID(task_id))
    except (ValueError, TaskNotFoundException):
        task = None
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        raise explain_missing_task(task_id)
    meta = loaded.task_meta(task)
    refusal = wired().step_refusal(actor, tuple(meta.get("roles") or ([meta["role"]] if meta.get("role") else [])))
    if refusal:
        raise PermissionDenied(refusal)
    validator = loaded.version.form_validator(meta.get("form_key"))
    answers = validate_submission(validator, data)
    task.data.update({name: answers[name] for name in workflow_fields(validator.schema) if name in answers})
    task.run()
    _run(loaded)
    save(loaded, now)
    db.session.execute(_RECORD_COMPLETION, {
        "instance_id": instance_id, "task_id": task_id, "bpmn_id": task.task_spec.bpmn_id,
        "completed_by_id": actor.id, "completed_by_label": actor.full_name, "completed_at": now})
    record_event("workflow.task_completed", actor=actor, subject=("workflow_instances", instance_id),
                 detail={"step": task.task_spec.bpmn_id})
    return answers


def fire_due_timers(instance_id: int, *, now: datetime | None = None) -> None:
    """Fire the instance's timers that are due and run on to the next wait."""
    now = now or utc_now()
    loaded = _load(instance_id, now)
    loaded.workflow.refresh_timers()
    _run(loaded)
    save(loaded, now)
    record_event("workflow.timers_fired", actor_label="worker", subject=("workflow_instances", instance_id))


def send_message(instance_id: int, name: str, match: dict, *, actor, now: datetime | None = None) -> None:
    """Deliver a message to the one catch event of this instance that waits for `name` with data equal to
    `match` (a meeting's own "cancelled" reaches that meeting only), and run to the next wait. A catch
    without a target would reach every waiting catcher; nothing waiting is a conflict the person is told."""
    now = now or utc_now()
    loaded = _load(instance_id, now)
    waiting = [task for task in loaded.workflow.event_manager.tasks.values()
               if isinstance(task.task_spec.event_definition, MessageEventDefinition)
               and task.task_spec.event_definition.name == name
               and all(task.data.get(key) == value for key, value in match.items())]
    if not waiting:
        raise Conflict("The process is no longer waiting for this: reload the page to see where the work is now.")
    event = BpmnEvent(CamundaMessage(name), {"payload": None, "result_var": "last_message"}, target=waiting[0].workflow)
    loaded.workflow.catch(event)
    _run(loaded)
    save(loaded, now)
    record_event("workflow.message_received", actor=actor, subject=("workflow_instances", instance_id),
                 detail={"message": name})


def task_data(instance_id: int, task_id: str) -> dict:
    """A copy of one task's data (a page that needs a value the diagram passed, such as the meeting kind)."""
    task = _load(instance_id, lock=False).workflow.get_task_from_id(UUID(task_id))
    return dict(task.data) if task is not None else {}


def step_positions(instance_id: int) -> tuple[list[str], list[str]]:
    """(completed, current) BPMN ids of the instance's top process: what its diagram marks as done and where it
    is now (a call activity counts as current while the process it calls runs)."""
    workflow = _load(instance_id, lock=False).workflow
    completed, current = set(), set()
    for task in workflow.tasks.values():
        bpmn_id = task.task_spec.bpmn_id
        if bpmn_id is None:
            continue
        if task.state == TaskState.COMPLETED:
            completed.add(bpmn_id)
        elif task.state & (TaskState.READY | TaskState.WAITING | TaskState.STARTED):
            current.add(bpmn_id)
    return sorted(completed - current), sorted(current)


def instance_version(instance_id: int):
    """The deployed version an instance runs on (its forms and specs)."""
    return deployed_version(db.session.scalar(select(WorkflowInstance.version_id)
                                              .where(WorkflowInstance.id == instance_id)))


def step_form(instance_id: int, form_key: str | None) -> dict:
    """The JSON Schema of a step's form, from the instance's deployed version (never the files on disk)."""
    return instance_version(instance_id).form_validator(form_key).schema


def process_form(process_id: str, form_key: str) -> dict:
    """A form of the current version of a process (the form a new instance will use first)."""
    return deployed_version(current_version(process_id).id).form_validator(form_key).schema


def rearm_timers(instance_id: int, *, now: datetime | None = None) -> None:
    """Compute again the dates of the timers an instance waits for (a setting or a bank holiday changed):
    SpiffWorkflow fixes a timer's date when it starts waiting and never looks again. A date now past fires."""
    now = now or utc_now()
    loaded = _load(instance_id, now)
    for event in loaded.workflow.get_tasks(state=TaskState.WAITING):
        if isinstance(getattr(event.task_spec, "event_definition", None), TimeDateEventDefinition):
            event.internal_data.pop("event_value", None)
    loaded.workflow.refresh_timers()
    _run(loaded)
    save(loaded, now)
    update_due_dates(loaded)
    record_event("workflow.timers_rearmed", actor_label="worker", subject=("workflow_instances", instance_id))


def request_rearm(reason: str) -> None:
    """Ask the worker to compute every running deadline again (in the caller's transaction)."""
    db.session.add(RearmRequest(reason=reason[:200]))


def rearm_next(now: datetime) -> bool:
    """Re-arm the next instance of the oldest open request; False when no request is open. Caller commits."""
    begin_write(db.session)
    request = db.session.scalar(select(RearmRequest).where(RearmRequest.done_at.is_(None))
                                .order_by(RearmRequest.id).limit(1).with_for_update(skip_locked=True))
    if request is None:
        return False
    instance_id = db.session.scalar(
        select(WorkflowInstance.id).where(WorkflowInstance.id > request.cursor_instance_id,
                                          WorkflowInstance.is_completed.is_(False),
                                          WorkflowInstance.next_timer_at.is_not(None))
        .order_by(WorkflowInstance.id).limit(1))
    if instance_id is None:
        request.done_at = now
    else:
        rearm_timers(instance_id, now=now)
        request.cursor_instance_id = instance_id
    return True


def claim_due_instance(now: datetime, skip: set[int] = frozenset()) -> int | None:
    """The instance whose timer is due soonest, locked for this worker; other workers skip it (PostgreSQL SKIP
    LOCKED; SQLite has one writer at a time anyway). Answered from the next-timer index."""
    begin_write(db.session)
    query = select(WorkflowInstance.id).where(WorkflowInstance.next_timer_at <= now)
    if skip:
        query = query.where(WorkflowInstance.id.not_in(skip))
    return db.session.scalar(query.order_by(WorkflowInstance.next_timer_at).limit(1).with_for_update(skip_locked=True))


def workflow_data(instance_id: int) -> dict:
    """The instance's current workflow data (diagnostics and tests; pages read domain tables instead)."""
    workflow = _load(instance_id, lock=False).workflow
    last = workflow.last_task
    return dict(workflow.data if workflow.is_completed() or last is None else last.data)


def rebuild_derived_rows(now: datetime | None = None) -> int:
    """Recompute every unfinished instance's open tasks, timers and next timer from its saved state."""
    now = now or utc_now()
    ids = list(db.session.scalars(select(WorkflowInstance.id).where(WorkflowInstance.is_completed.is_(False))))
    for instance_id in ids:
        loaded = _load(instance_id, now)
        db.session.execute(delete(OpenTask).where(OpenTask.instance_id == instance_id))
        loaded.open_task_ids = set()
        refresh_open_tasks(loaded, now)
        loaded.timers = stored_timers(instance_id)
        refresh_timer_rows(loaded)
        db.session.get(WorkflowInstance, instance_id).next_timer_at = next_timer(loaded.workflow)
    return len(ids)
