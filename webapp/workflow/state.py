"""An instance's saved state: lock and load it, save it with its version counter, and keep the derived rows
(open tasks, next timer) in line. Plain SQL statements: this is the hot path of every step."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, update
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from webapp.database import begin_write
from webapp.errors import Conflict, NotFound
from webapp.extensions import db
from webapp.workflow.engine import SERIALIZER, dump_state, load_state
from webapp.workflow.models import OpenTask, WorkflowInstance, WorkflowTimer
from webapp.workflow.versions import DeployedVersion, deployed_version

INSTANCES = WorkflowInstance.__table__
TIMER_EVENTS = {"TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition"}


# Statements built once, parameters bound per call: the hot path spends nothing on building SQL.
_READ = (select(INSTANCES.c.version_id, INSTANCES.c.subject_type, INSTANCES.c.subject_id, INSTANCES.c.state,
                INSTANCES.c.state_version, INSTANCES.c.serializer_version)
         .where(INSTANCES.c.id == bindparam("instance_id")))
_LOCK = _READ.with_for_update()
_SAVE = (update(INSTANCES)
         .where(INSTANCES.c.id == bindparam("instance_id"), INSTANCES.c.state_version == bindparam("loaded_version"))
         .values(state=bindparam("state"), state_version=bindparam("new_version"),
                 serializer_version=bindparam("serializer_version"), is_completed=bindparam("is_completed"),
                 next_timer_at=bindparam("next_timer_at"), updated_at=bindparam("updated_at")))
_OPEN_TASKS = OpenTask.__table__
_CLOSE_TASKS = delete(_OPEN_TASKS).where(_OPEN_TASKS.c.task_id.in_(bindparam("task_ids", expanding=True)))
_ADD_TASKS = insert(_OPEN_TASKS)
_SET_DUE = (update(_OPEN_TASKS).where(_OPEN_TASKS.c.task_id == bindparam("open_task_id"))
            .values(due_at=bindparam("new_due_at")))
_TIMERS = WorkflowTimer.__table__
_ADD_TIMER = insert(_TIMERS)
_SET_TIMER = (update(_TIMERS).where(_TIMERS.c.task_id == bindparam("timer_task_id"))
              .values(due_at=bindparam("new_due_at"), state=bindparam("new_state")))


@dataclass
class Loaded:
    instance_id: int
    subject_type: str
    subject_id: int
    state_version: int
    version: DeployedVersion
    workflow: BpmnWorkflow
    # READY user tasks when loaded: the open-task rows, which are kept equal to them after every save.
    open_task_ids: set[str] = field(default_factory=set)
    # Armed timers when loaded ({task id: (bpmn id, due, state)}): the timer rows, rewritten where they changed.
    timers: dict[str, tuple] = field(default_factory=dict)

    def task_meta(self, task) -> dict:
        """The role and form key the diagram gives a user task (read at deploy)."""
        return self.version.task_meta.get(f"{task.task_spec._wf_spec.name}:{task.task_spec.bpmn_id}", {})


def ready_user_tasks(workflow: BpmnWorkflow) -> dict:
    """READY user tasks by id, in the top workflow and every subprocess (a flat scan: no tree walk)."""
    ready = {}
    for tasks in [workflow.tasks, *(sub.tasks for sub in workflow.subprocesses.values())]:
        for task in tasks.values():
            if task.state == TaskState.READY and task.task_spec.manual:
                ready[str(task.id)] = task
    return ready


def lock_and_load(instance_id: int, *, lock: bool = True) -> Loaded:
    """Read an instance's state; with `lock`, as the only writer until commit (row lock, or SQLite's
    write lock), so the state read is the latest and nobody changes it before this transaction ends."""
    if lock:
        begin_write(db.session)
    row = db.session.execute(_LOCK if lock else _READ, {"instance_id": instance_id}).one_or_none()
    if row is None:
        raise NotFound("There is no such workflow.")
    version = deployed_version(row.version_id)
    workflow = load_state(row.state, row.serializer_version, version.specs, version.stored_specs)
    return Loaded(instance_id, row.subject_type, row.subject_id, row.state_version, version, workflow,
                  set(ready_user_tasks(workflow)), armed_timers(workflow))


def insert_instance(version: DeployedVersion, subject_type: str, subject_id: int, workflow: BpmnWorkflow,
                    now: datetime) -> Loaded:
    """Store a new instance (counter 1) before its first run, so that handlers know its id."""
    result = db.session.execute(insert(INSTANCES).values(
        version_id=version.id, subject_type=subject_type, subject_id=subject_id, state=dump_state(workflow),
        state_version=1, serializer_version=SERIALIZER.VERSION, is_completed=False, created_at=now, updated_at=now,
    ))
    return Loaded(result.inserted_primary_key[0], subject_type, subject_id, 1, version, workflow)


def drop_finished_subprocesses(workflow: BpmnWorkflow) -> None:
    """Forget the inner state of finished call activities and subprocesses: their outputs are already in the
    caller's data and what people entered is in domain tables. Kept, each review meeting would add about
    12 KB to a case's state, read and written on every later step for the life of the case."""
    for task_id, subprocess in list(workflow.subprocesses.items()):
        if subprocess.completed:
            del workflow.subprocesses[task_id]


def save(loaded: Loaded, now: datetime) -> None:
    """Write the state if nobody wrote it since it was loaded, raise the counter, refresh the derived rows."""
    workflow = loaded.workflow
    refresh_timer_rows(loaded)  # before finished subprocesses are dropped: their timers' ends are seen once
    drop_finished_subprocesses(workflow)
    result = db.session.execute(_SAVE, {
        "instance_id": loaded.instance_id, "loaded_version": loaded.state_version, "state": dump_state(workflow),
        "new_version": loaded.state_version + 1, "serializer_version": SERIALIZER.VERSION,
        "is_completed": workflow.is_completed(), "next_timer_at": next_timer(workflow), "updated_at": now,
    })
    if result.rowcount != 1:
        # Only a writer that skipped the lock gets here; the caller rolls back and the person retries.
        raise Conflict("Someone else changed this case at the same moment. Reload the page and try again.")
    loaded.state_version += 1
    refresh_open_tasks(loaded, now)


def _boundary_due(task) -> list[datetime]:
    parent = task.parent
    if parent is None or not isinstance(parent.task_spec, BoundaryEventSplit):
        return []
    timers = [(sibling.state, datetime.fromisoformat(sibling.internal_data["event_value"]))
              for sibling in parent.children
              if sibling is not task and isinstance(sibling.internal_data.get("event_value"), str)]
    waiting = [at for state, at in timers if state == TaskState.WAITING]
    # A non-interrupting deadline that has fired leaves its step overdue since then, not undated (a day-20 gate
    # opened again after day 20 fires at once).
    fired = [at for state, at in timers if state == TaskState.COMPLETED]
    return waiting or ([max(fired)] if fired else [])


def task_due_at(task) -> datetime | None:
    """A user task's deadline: the earliest timer waiting on its boundary, or on the boundary of the call
    activity it runs in (a review meeting's steps are due by the review's date)."""
    due = _boundary_due(task)
    workflow = task.workflow
    while workflow.parent_task_id is not None:
        caller = workflow.top_workflow.get_task_from_id(workflow.parent_task_id)
        due += _boundary_due(caller)
        workflow = caller.workflow
    return min(due) if due else None


def update_due_dates(loaded: Loaded) -> None:
    """Rewrite the due dates of the open-task rows (after deadlines were re-armed)."""
    for task_id, task in ready_user_tasks(loaded.workflow).items():
        db.session.execute(_SET_DUE, {"open_task_id": task_id, "new_due_at": task_due_at(task)})


def next_timer(workflow: BpmnWorkflow) -> datetime | None:
    """When the earliest timer the workflow waits for is due."""
    due = [datetime.fromisoformat(event.value) for event in workflow.waiting_events()
           if event.event_type in TIMER_EVENTS and isinstance(event.value, str)]
    return min(due) if due else None


def refresh_open_tasks(loaded: Loaded, now: datetime) -> None:
    """Bring the open-task rows in line with the READY user tasks (rows that stay keep their ready_at)."""
    ready = ready_user_tasks(loaded.workflow)
    gone = loaded.open_task_ids - ready.keys()
    if gone:
        db.session.execute(_CLOSE_TASKS, {"task_ids": sorted(gone)})
    new_rows = [{
        "instance_id": loaded.instance_id, "task_id": task_id, "bpmn_id": task.task_spec.bpmn_id,
        "name": task.task_spec.bpmn_name or task.task_spec.bpmn_id, "role": loaded.task_meta(task).get("role"),
        "roles": ",".join(loaded.task_meta(task).get("roles") or []) or None,
        "form_key": loaded.task_meta(task).get("form_key"), "subject_type": loaded.subject_type,
        "subject_id": loaded.subject_id, "ready_at": now, "due_at": task_due_at(task),
    } for task_id, task in ready.items() if task_id not in loaded.open_task_ids]
    if new_rows:
        db.session.execute(_ADD_TASKS, new_rows)
    loaded.open_task_ids = set(ready)


def _timer_state(task) -> str | None:
    if task.state == TaskState.WAITING:
        return "waiting"
    if task.state & (TaskState.READY | TaskState.STARTED | TaskState.COMPLETED):
        return "fired"
    if task.state == TaskState.CANCELLED:
        return "cancelled"
    return None


def armed_timers(workflow: BpmnWorkflow) -> dict[str, tuple[str, datetime, str]]:
    """Every timer that has a due time, in the top workflow and every subprocess: {task id: (bpmn id, due, state)}."""
    armed = {}
    for tasks in [workflow.tasks, *(sub.tasks for sub in workflow.subprocesses.values())]:
        for task in tasks.values():
            value = task.internal_data.get("event_value")
            if not isinstance(value, str) or not isinstance(getattr(task.task_spec, "event_definition", None),
                                                            TimerEventDefinition):
                continue
            state = _timer_state(task)
            if state is not None:
                armed[str(task.id)] = (task.task_spec.bpmn_id, datetime.fromisoformat(value), state)
    return armed


def refresh_timer_rows(loaded: Loaded) -> None:
    """Write the timer rows that changed since the state was loaded (a new timer, a re-armed one, one that fired
    or was cancelled). A row missing for a timer armed before these rows existed is added then."""
    current = armed_timers(loaded.workflow)
    for task_id, (bpmn_id, due, state) in current.items():
        known = loaded.timers.get(task_id)
        if known == (bpmn_id, due, state):
            continue
        # Update first: a loop can bring back a timer task the last save did not list.
        if db.session.execute(_SET_TIMER, {"timer_task_id": task_id, "new_due_at": due,
                                           "new_state": state}).rowcount != 1:
            db.session.execute(_ADD_TIMER, {"instance_id": loaded.instance_id, "task_id": task_id,
                                            "bpmn_id": bpmn_id, "due_at": due, "state": state})
    loaded.timers = current


def stored_timers(instance_id: int) -> dict[str, tuple[str, datetime, str]]:
    """The timer rows of an instance as `armed_timers` gives them (to rebuild them from the state)."""
    rows = db.session.execute(select(_TIMERS.c.task_id, _TIMERS.c.bpmn_id, _TIMERS.c.due_at, _TIMERS.c.state)
                              .where(_TIMERS.c.instance_id == instance_id))
    return {row.task_id: (row.bpmn_id, row.due_at, row.state) for row in rows}
