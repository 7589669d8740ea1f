"""The worker's unit of work for visits: one overdue visit at a time, the team alerted once for each due date (a
visit recorded, or a plan amended, moves the date; falling overdue again alerts again)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from webapp.audit.services import record_event
from webapp.cases.models import Case
from webapp.database import begin_write
from webapp.extensions import db
from webapp.visits.models import VisitSchedule
from webapp.visits.notices import tell_visit_overdue
from webapp.visits.services import london_day


def claim_overdue(now: datetime, skip: set[int] = frozenset()) -> VisitSchedule | None:
    """The longest overdue visit of an open case not yet alerted for its due date, locked for this worker: other
    workers skip it (PostgreSQL SKIP LOCKED; SQLite has one writer at a time anyway). Answered from the index
    on the due date."""
    begin_write(db.session)
    query = (select(VisitSchedule).join(Case, Case.id == VisitSchedule.case_id)
             .where(Case.closed_at.is_(None), VisitSchedule.due_on < london_day(now),
                    or_(VisitSchedule.alerted_for_on.is_(None), VisitSchedule.alerted_for_on != VisitSchedule.due_on)))
    if skip:
        query = query.where(VisitSchedule.case_id.not_in(skip))
    return db.session.scalar(query.order_by(VisitSchedule.due_on, VisitSchedule.case_id).limit(1)
                             .with_for_update(skip_locked=True, of=VisitSchedule))


def alert_overdue(schedule: VisitSchedule) -> None:
    """Tell the case's worker and team managers (by the outbox, in the caller's transaction), audited."""
    case = db.session.get(Case, schedule.case_id)
    told = tell_visit_overdue(case, schedule)
    schedule.alerted_for_on = schedule.due_on
    record_event("case.overdue_alert", actor_label="worker", subject=case,
                 detail={"reason": "visit_overdue", "due_on": schedule.due_on.isoformat(), "recipients": told})
    db.session.flush()
