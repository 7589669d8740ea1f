"""Due dates as the engine acts on them, for pages, lists, mail and reports: a named timer's due time, or an open
step's, read from the derived rows that every save and every re-arm rewrites. Features read these and keep no
copy of their own, so a settings change that moves a timer moves every date shown with it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from sqlalchemy import select

from webapp.columns import LONDON
from webapp.extensions import db
from webapp.workflow.models import OpenTask, WorkflowTimer


@dataclass(frozen=True)
class Due:
    """A timer's due time and whether it is still waiting, has fired, or was cancelled (its step was done)."""

    at: datetime
    state: str  # waiting | fired | cancelled

    @property
    def waiting(self) -> bool:
        return self.state == "waiting"

    @property
    def day(self) -> date:
        """The London day it falls due (deadlines run to the end of a day)."""
        return self.at.astimezone(LONDON).date()

    def passed(self, now: datetime) -> bool:
        return self.at <= now


def timer_dues(instance_ids: Iterable[int | None], bpmn_id: str) -> dict[int, Due]:
    """The latest occurrence of the timer `bpmn_id` in each instance (instance id -> Due), in one query."""
    return {instance_id: due for (instance_id, _), due in timers_due(instance_ids, [bpmn_id]).items()}


def timers_due(instance_ids: Iterable[int | None], bpmn_ids: Iterable[str]) -> dict[tuple[int, str], Due]:
    """The latest occurrence of each of several timers in each instance ((instance id, bpmn id) -> Due); later
    rows win, so a timer a loop armed again gives its latest date."""
    ids, steps = sorted({i for i in instance_ids if i is not None}), sorted(set(bpmn_ids))
    if not ids or not steps:
        return {}
    rows = db.session.execute(select(WorkflowTimer.instance_id, WorkflowTimer.bpmn_id, WorkflowTimer.due_at,
                                     WorkflowTimer.state)
                              .where(WorkflowTimer.instance_id.in_(ids), WorkflowTimer.bpmn_id.in_(steps))
                              .order_by(WorkflowTimer.id))
    return {(row.instance_id, row.bpmn_id): Due(row.due_at, row.state) for row in rows}


def timer_due(instance_id: int | None, bpmn_id: str) -> Due | None:
    """The due time of one instance's timer `bpmn_id` (its latest occurrence), None if it was never armed."""
    return timer_dues([instance_id], bpmn_id).get(instance_id)


def step_dues(instance_ids: Iterable[int | None], bpmn_id: str) -> dict[int, datetime]:
    """The due time of each instance's open step `bpmn_id` (instance id -> due; absent once done or undated)."""
    ids = sorted({i for i in instance_ids if i is not None})
    if not ids:
        return {}
    rows = db.session.execute(select(OpenTask.instance_id, OpenTask.due_at)
                              .where(OpenTask.instance_id.in_(ids), OpenTask.bpmn_id == bpmn_id))
    return {row.instance_id: row.due_at for row in rows if row.due_at is not None}
