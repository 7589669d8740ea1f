"""Statutory visits: recording one, reading a case's visits, the date the child was last seen (Annex A), and when
the next visit is due from the case's current child in need plan (its visiting frequency, first written or
amended at a review), counted from the last visit the child was seen on, or from the plan's start."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from webapp.audit.services import Origin, record_event
from webapp.auth.models import User
from webapp.cases.access import get_visible_case
from webapp.cases.models import Case, StepRecord
from webapp.cases.step_hooks import StepHooks
from webapp.columns import LONDON, long_date
from webapp.errors import Conflict, InvalidInput
from webapp.extensions import db
from webapp.plans.services import PLAN_FORM, latest_plan
from webapp.references import case_reference
from webapp.visits.access import case_to_record_on
from webapp.visits.models import Visit, VisitSchedule
from webapp.workflow.forms import form_validator, validate_submission

SCHEMA = json.loads((Path(__file__).with_name("visit_schema.json")).read_text())
VALIDATOR = form_validator(SCHEMA)
# The plan form's visiting frequencies (workflows/forms/cin_plan.json) in days; a test holds the two together.
FREQUENCY_DAYS = {"weekly": 7, "fortnightly": 14, "every_four_weeks": 28}
FREQUENCY_LABELS = {"weekly": "Every week", "fortnightly": "Every two weeks", "every_four_weeks": "Every four weeks"}
RECENT_ON_PANEL = 5


def london_day(now: datetime) -> date:
    return now.astimezone(LONDON).date()


# -- recording --------------------------------------------------------------------------------------------


def open_form(actor, case_id: int, *, origin: Origin, audit: bool = True) -> Case:
    """The case to record a visit on, for those who may; the form's opening is audited (it names the child)."""
    case = case_to_record_on(actor, case_id)
    if case.closed_at is not None:
        raise Conflict("This case is closed: visits are recorded on open cases.")
    if audit:
        record_event("case.visit_form_viewed", actor=actor, subject=case, origin=origin)
    return case


def record_visit(actor, case_id: int, answers: dict, *, origin: Origin, now: datetime) -> Visit:
    """Record a visit (answers as webapp/visits/visit_schema.json has them); the case's schedule moves on from
    it. Bad answers change nothing: a date after today or before the case opened, a child seen alone who was
    not seen."""
    case = open_form(actor, case_id, origin=origin, audit=False)
    try:
        answers = validate_submission(VALIDATOR, answers)
    except InvalidInput as invalid:
        raise InvalidInput("The visit was not recorded: check the answers", invalid.field_errors) from None
    errors = _refusals(case, answers, london_day(now))
    if errors:
        raise InvalidInput("The visit was not recorded: check the answers", errors)
    seen = answers["is_child_seen"]
    visit = Visit(case_id=case.id, visited_on=date.fromisoformat(answers["visited_on"]), is_child_seen=seen,
                  is_seen_alone=answers.get("is_seen_alone") if seen else None,
                  is_bedroom_seen=answers["is_bedroom_seen"], note=answers["note"].strip(),
                  recorded_by_id=actor.id, recorded_at=now)
    db.session.add(visit)
    db.session.flush()
    refresh_schedule(case.id)
    record_event("case.visit_recorded", actor=actor, subject=case, origin=origin,
                 detail={"visit_id": visit.id, "visited_on": visit.visited_on.isoformat(), "child_seen": seen})
    return visit


def _refusals(case: Case, answers: dict, today: date) -> dict[str, str]:
    errors = {}
    visited_on, opened_on = date.fromisoformat(answers["visited_on"]), london_day(case.opened_at)
    if visited_on > today:
        errors["visited_on"] = "The date of the visit must be today or in the past"
    elif visited_on < opened_on:
        errors["visited_on"] = (f"The date of the visit must be the same as or after {long_date(opened_on)}, "
                                "when the case opened")
    if answers.get("is_seen_alone") is True and answers.get("is_child_seen") is False:
        # The follow-up is asked under "Yes": the error goes where the person can change it.
        errors["is_child_seen"] = "Select yes if the child was seen alone: a child not seen cannot be seen alone"
    if not str(answers.get("note", "")).strip():
        errors["note"] = "Enter a note of the visit"
    return errors


# -- reading -------------------------------------------------------------------------------------------------


def visits_on_case(actor, case_id: int, *, origin: Origin) -> tuple[Case, list[Visit]]:
    """Every visit of the case, the latest first; the look is audited."""
    case = get_visible_case(actor, case_id)
    record_event("case.visits_viewed", actor=actor, subject=case, origin=origin)
    return case, list(db.session.scalars(_latest_first(select(Visit).where(Visit.case_id == case.id))))


def _latest_first(query):
    return query.order_by(Visit.visited_on.desc(), Visit.id.desc())


def last_seen_on(case_id: int) -> date | None:
    """The date the child was last seen (Annex A): the latest visit on which the child was seen."""
    return db.session.scalar(select(func.max(Visit.visited_on)).where(Visit.case_id == case_id,
                                                                      Visit.is_child_seen.is_(True)))


def last_seen_dates(case_ids) -> dict[int, date]:
    """The same for many cases in one query (case id -> date), for returns and lists."""
    return dict(db.session.execute(
        select(Visit.case_id, func.max(Visit.visited_on)).where(Visit.case_id.in_(list(case_ids)),
                                                                Visit.is_child_seen.is_(True))
        .group_by(Visit.case_id)).all())


@dataclass(frozen=True)
class VisitsSummary:
    """What the case page shows: the schedule (None without a plan that gives a frequency), the latest visits."""

    schedule: VisitSchedule | None
    frequency: str | None  # in words
    last_seen: date | None
    recent: list[Visit]
    count: int

    def is_overdue(self, today: date) -> bool:
        return self.schedule is not None and self.schedule.due_on < today


def case_visits(case_id: int) -> list[VisitsSummary]:
    """The case page's panel rows: one summary (the case page has checked who may see it)."""
    schedule = db.session.get(VisitSchedule, case_id)
    recent = list(db.session.scalars(_latest_first(select(Visit).where(Visit.case_id == case_id))
                                     .limit(RECENT_ON_PANEL)))
    count = db.session.scalar(select(func.count(Visit.id)).where(Visit.case_id == case_id))
    return [VisitsSummary(schedule, FREQUENCY_LABELS.get(schedule.frequency) if schedule else None,
                          last_seen_on(case_id), recent, count)]


# -- the schedule --------------------------------------------------------------------------------------------


def due_on(frequency: str, plan_started_on: date, last_seen: date | None) -> date:
    """The last day for the next visit: the plan's interval after the last time the child was seen, counted from
    the plan's start when the child was last seen before it (or never)."""
    counted_from = max(plan_started_on, last_seen) if last_seen else plan_started_on
    return counted_from + timedelta(days=FREQUENCY_DAYS[frequency])


def plan_started_on(case_id: int) -> date | None:
    """The date the case's first child in need plan was agreed (as last corrected)."""
    first = db.session.scalar(select(StepRecord).where(StepRecord.case_id == case_id, StepRecord.form_key == PLAN_FORM)
                              .order_by(StepRecord.completed_at, StepRecord.id).limit(1))
    if first is None:
        return None
    try:
        return date.fromisoformat(str(first.current_answers.get("plan_agreed_on")))
    except ValueError:
        return london_day(first.completed_at)


def refresh_schedule(case_id: int) -> VisitSchedule | None:
    """Keep the case's schedule row as its current plan and its visits say (a frequency the service does not
    count, or no plan, removes it). The case's row is locked first: two visits recorded at once each count the
    other (PostgreSQL; SQLite has one writer at a time anyway)."""
    db.session.execute(select(Case.id).where(Case.id == case_id).with_for_update())
    plan = latest_plan(case_id)
    frequency = plan.current_answers.get("visiting_frequency") if plan is not None else None
    schedule = db.session.get(VisitSchedule, case_id)
    if frequency not in FREQUENCY_DAYS:
        if schedule is not None:
            db.session.delete(schedule)
            db.session.flush()
        return None
    started, seen = plan_started_on(case_id), last_seen_on(case_id)  # read before a new row is pending
    if schedule is None:
        schedule = VisitSchedule(case_id=case_id)
        db.session.add(schedule)
    schedule.frequency, schedule.plan_started_on, schedule.last_seen_on = frequency, started, seen
    schedule.due_on = due_on(frequency, started, seen)
    db.session.flush()
    return schedule


def plan_recorded(case: Case, record: StepRecord, answers: dict, now: datetime) -> None:
    refresh_schedule(case.id)


# Every plan written (the first, one amended at a review, a correction) sets the visiting frequency anew.
PLAN_HOOKS = StepHooks(recorded=plan_recorded)


def overdue_visits(visible, today: date) -> list[tuple]:
    """The team dashboard's rows, over the cases the viewer may see (`visible`, cases.access.visible_cases_filter):
    (case reference, the child last seen, due by, social worker), the longest overdue first."""
    rows = db.session.execute(
        select(VisitSchedule.case_id, VisitSchedule.last_seen_on, VisitSchedule.due_on, User.full_name)
        .join(Case, Case.id == VisitSchedule.case_id).outerjoin(User, User.id == Case.allocated_worker_id)
        .where(visible, Case.closed_at.is_(None), VisitSchedule.due_on < today)
        .order_by(VisitSchedule.due_on, VisitSchedule.case_id))
    return [(case_reference(case_id), long_date(seen) if seen else "Not seen since the case opened",
             long_date(due), worker or "Not allocated") for case_id, seen, due, worker in rows]
