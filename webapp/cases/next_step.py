"""What comes after a step: the person's own next step on the case, so that finishing one leads to the next, and
otherwise what the case waits for (someone else's step, or what a feature has booked, such as a meeting)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from webapp.auth.roles import Role
from webapp.cases.access import can_do_task, get_visible_case
from webapp.cases.models import Case, Stage
from webapp.cases.tables import case_tables
from webapp.columns import london_time
from webapp.extensions import db
from webapp.workflow.models import OpenTask


@dataclass(frozen=True)
class Upcoming:
    """Something booked on the case that a feature knows of (UPCOMING in webapp/wiring.py): when, and in words."""

    at: datetime
    text: str


def open_steps(case_id: int) -> list[OpenTask]:
    return list(db.session.scalars(select(OpenTask).where(OpenTask.subject_type == "cases",
                                                          OpenTask.subject_id == case_id)
                                   .order_by(OpenTask.ready_at, OpenTask.id)))


def next_step_for(actor, case: Case, steps: list[OpenTask] | None = None) -> OpenTask | None:
    """The oldest open step of the case the actor may do, or None."""
    return next((task for task in (open_steps(case.id) if steps is None else steps)
                 if can_do_task(actor, case, task)), None)


def upcoming(case_id: int, now: datetime) -> list[Upcoming]:
    """What the features have booked on the case from now on, soonest first."""
    return sorted((item for source in case_tables().upcoming for item in source(case_id, now)), key=lambda i: i.at)


def what_happens_next(case: Case, now: datetime, steps: list[OpenTask] | None = None) -> str:
    """One sentence for the case page and the banner after a step: the waiting steps and for whom, else what is
    booked, else that nothing waits."""
    waiting = open_steps(case.id) if steps is None else steps
    if waiting:
        first = waiting[0]
        who = " or ".join(Role(role).label.lower() for role in first.role_values) or "team"
        due = f", due {london_time(first.due_at)}" if first.due_at else ""
        more = f" ({len(waiting) - 1} more step{'s' if len(waiting) > 2 else ''} open)" if len(waiting) > 1 else ""
        return f"Next: '{first.name}', for the {who}{due}{more}."
    if case.closed_at is not None:
        return f"{Stage(case.stage).label} on {london_time(case.closed_at)}: no further work is planned."
    booked = upcoming(case.id, now)
    if booked:
        return f"Next: {booked[0].text}."
    return "No step is waiting on this case now."


@dataclass(frozen=True)
class AfterStep:
    case: Case
    yours: OpenTask | None  # the person's own next step on the case, if any
    what_happens_next: str


def after_step(actor, case_id: int, now: datetime) -> AfterStep:
    """Where the person goes once a step is done: their own next step on the case, or what the case waits for."""
    case = get_visible_case(actor, case_id)
    waiting = open_steps(case_id)
    return AfterStep(case, next_step_for(actor, case, waiting), what_happens_next(case, now, waiting))
