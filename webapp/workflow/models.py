"""Deployed workflow versions, running instances, and the rows derived from them for list pages."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.columns import UTCDateTime, utc_now
from webapp.extensions import db


class WorkflowVersion(db.Model):
    """A deployed bundle: a root process, every process it calls, their forms, and the parsed specs."""

    __tablename__ = "workflow_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(120), index=True)
    process_name: Mapped[str] = mapped_column(String(200))
    bundle_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # {file name: BPMN XML} and {form key: JSON Schema}, as deployed.
    diagrams: Mapped[dict] = mapped_column(JSON, deferred=True)
    forms: Mapped[dict] = mapped_column(JSON)
    # SpiffWorkflow's serialized spec and subprocess specs, stored once per version (not per instance);
    # deferred: each process builds the spec objects once per version and keeps them (versions never change).
    spec: Mapped[str] = mapped_column(Text, deferred=True)
    # What the runtime needs per user task, read from the diagram: {bpmn id: {"role": .., "form_key": ..}}.
    task_meta: Mapped[dict] = mapped_column(JSON)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deployed_by_label: Mapped[str] = mapped_column(String(120))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    source: Mapped[str] = mapped_column(String(40), default="files")


class WorkflowInstance(db.Model):
    """One running process for one subject (a case, a household, an escalation)."""

    __tablename__ = "workflow_instances"
    __table_args__ = (Index("ix_workflow_instances_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("workflow_versions.id"), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    state: Mapped[str] = mapped_column(Text)
    state_version: Mapped[int] = mapped_column(default=1)
    serializer_version: Mapped[str] = mapped_column(String(16))
    is_completed: Mapped[bool] = mapped_column(default=False)
    # The earliest timer this instance waits for: the worker's index, so no list ever deserializes a workflow.
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    version: Mapped[WorkflowVersion] = relationship()


class OpenTask(db.Model):
    """A user task waiting for someone, kept after every step so that work lists need no deserialization."""

    __tablename__ = "workflow_open_tasks"
    __table_args__ = (UniqueConstraint("task_id"), Index("ix_workflow_open_tasks_role", "role"),
                      Index("ix_workflow_open_tasks_subject", "subject_type", "subject_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(32))  # the first of `roles`: work lists go by it
    roles: Mapped[str | None] = mapped_column(String(200))  # every role the diagram names, comma-separated
    form_key: Mapped[str | None] = mapped_column(String(120))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    @property
    def role_values(self) -> tuple[str, ...]:
        """The roles that may do the step (anyone holding one of them, as the runtime checks)."""
        return tuple(self.roles.split(",")) if self.roles else ((self.role,) if self.role else ())


class TaskCompletion(db.Model):
    """Who completed which task and when: the answer to 'someone else just did this step'."""

    __tablename__ = "workflow_task_completions"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    bpmn_id: Mapped[str] = mapped_column(String(120))
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_by_label: Mapped[str] = mapped_column(String(120))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class RearmRequest(db.Model):
    """Deadlines to compute again because a setting or a bank holiday changed; the worker works through the
    running instances one transaction each, keeping its place in `cursor_instance_id`."""

    __tablename__ = "workflow_rearm_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    cursor_instance_id: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class WorkflowTimer(db.Model):
    """A timer an instance armed, with the due time the engine acts on: rewritten on every save (so every re-arm
    moves it) and kept once the timer fired or was cancelled, so pages can say "due on" and "overdue since"."""

    __tablename__ = "workflow_timers"
    __table_args__ = (Index("ix_workflow_timers_instance_step", "instance_id", "bpmn_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("workflow_instances.id"))
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    bpmn_id: Mapped[str] = mapped_column(String(120))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(12))  # waiting | fired | cancelled
