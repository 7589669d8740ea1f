"""Moving a running instance onto a newer version of its process, where that is safe.

Safe means every step the instance has been through or is at still exists in the new version, in the top process
and in every call activity or subprocess it has running (SpiffWorkflow's spec diff aligns steps by their BPMN id).
Steps added or changed are fine: the instance's waiting steps are predicted again from the new diagram. Anything
else is refused with the reason, and nothing changes."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from webapp.audit.services import record_event
from webapp.errors import Conflict
from webapp.extensions import db
from webapp.workflow.engine import SERIALIZER
from webapp.workflow.models import WorkflowInstance
from webapp.workflow.state import Loaded, lock_and_load, save
from webapp.workflow.versions import deployed_version

WAITING = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass
class MigrationCheck:
    instance_id: int
    from_version: int
    to_version: int
    reasons: list[str] = field(default_factory=list)  # why it is not safe; empty when it is
    current_steps: list[str] = field(default_factory=list)

    @property
    def safe(self) -> bool:
        return not self.reasons


def _label(task) -> str:
    return task.task_spec.bpmn_name or task.task_spec.bpmn_id or task.task_spec.name


def _diffs(loaded: Loaded, version_id: int):
    new = deployed_version(version_id)
    spec, subprocess_specs = new.specs
    return new, diff_workflow(SERIALIZER.registry, loaded.workflow, spec, subprocess_specs)


def check(instance_id: int, version_id: int, *, loaded: Loaded | None = None) -> MigrationCheck:
    """Whether the instance can move to the version, and if not, why."""
    loaded = loaded or lock_and_load(instance_id, lock=False)
    result = MigrationCheck(instance_id, loaded.version.id, version_id)
    new, (top, subs) = _diffs(loaded, version_id)
    if new.process_id != loaded.version.process_id:
        result.reasons.append(f"version {version_id} is a version of another process")
        return result
    if version_id == loaded.version.id:
        result.reasons.append("it already runs on this version")
    for diff, workflow in [(top, loaded.workflow), *((subs[key], sub) for key, sub in loaded.workflow.subprocesses.items())]:
        if diff is None:
            result.reasons.append(f"the called process {workflow.spec.name!r} is not in the new version")
            continue
        for task in diff.removed:
            if task.task_spec.bpmn_id is None:
                continue  # the engine's own start and end markers
            when = "it is at" if task.state & WAITING else "it went through"
            result.reasons.append(f"{when} the step {_label(task)!r}, which the new version no longer has")
    result.current_steps = sorted({_label(t) for t in loaded.workflow.get_tasks(state=TaskState.READY)
                                   if t.task_spec.manual})
    return result


def migrate(instance_id: int, version_id: int, *, actor, now: datetime) -> MigrationCheck:
    """Move the instance (locked) to the version; Conflict with the reasons when it is not safe."""
    loaded = lock_and_load(instance_id)
    checked = check(instance_id, version_id, loaded=loaded)
    if not checked.safe:
        raise Conflict("This case cannot move to the new version: " + "; ".join(checked.reasons) + ".")
    new, (top, subs) = _diffs(loaded, version_id)
    spec, subprocess_specs = new.specs
    migrate_workflow(top, loaded.workflow, spec)
    for key, sub in loaded.workflow.subprocesses.items():
        migrate_workflow(subs[key], sub, subprocess_specs[sub.spec.name])
    loaded.workflow.subprocess_specs = subprocess_specs
    loaded.workflow.do_engine_steps()  # waiting steps were predicted again from the new diagram
    loaded.version = new
    db.session.get(WorkflowInstance, instance_id).version_id = version_id
    db.session.flush()
    save(loaded, now)
    record_event("workflow.migrated", actor=actor, subject=("workflow_instances", instance_id),
                 detail={"from_version": checked.from_version, "to_version": version_id})
    return checked
