"""The team dashboard: what is overdue or nearly due, the day-20 gate, and the features' tables (agencies that have
not answered: webapp/wiring.py). Team managers see their team; senior managers see every team. Read from derived
rows and indexes only."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case as when, func, select

from webapp.auth.models import Team, User
from webapp.auth.roles import Role
from webapp.cases.access import visible_cases_filter
from webapp.cases.models import Case
from webapp.references import case_reference
from webapp.cases.tables import case_tables
from webapp.columns import LONDON
from webapp.errors import PermissionDenied
from webapp.extensions import db
from webapp.partnership.services import extra_holidays
from webapp.workflow.calendar import add_working_days, end_of_day
from webapp.workflow.contract import DiagramNeeds
from webapp.workflow.models import OpenTask

SOON_WORKING_DAYS = 2
# The day-20 gate's steps in workflows/multi_agency_meeting.bpmn: first convening, and again after a cancellation.
NEEDS = DiagramNeeds(__name__)
GATE_CONVENE = tuple(NEEDS.element("multi_agency_meeting", step, "the day-20 list") for step in
                     ("convene_by_day_20", "convene_again_by_day_20"))
GATE_RATIONALE = tuple(NEEDS.element("multi_agency_meeting", step, "the day-20 list") for step in
                       ("meeting_rationale", "meeting_rationale_again"))


@dataclass
class Dashboard:
    by_step: list  # (team, step, overdue, due soon)
    by_worker: list  # (team, worker or None, overdue, due soon)
    day20: list  # (case id, reference, team, what is missing)
    tables: list  # (DashboardTable, its rows): the features' tables (webapp/cases/tables.py)
    all_teams: bool


def due_soon_until(now: datetime) -> datetime:
    """The end of "due soon": the end of the day two working days from today (bank holidays counted out)."""
    return end_of_day(add_working_days(now.astimezone(LONDON).date(), SOON_WORKING_DAYS, extra_holidays()))


def team_dashboard(actor, now: datetime) -> Dashboard:
    if not actor.has_role(Role.TEAM_MANAGER, Role.SENIOR_MANAGER):
        raise PermissionDenied("The dashboard is for team managers and senior managers.")
    soon = due_soon_until(now)
    overdue = func.sum(when((OpenTask.due_at < now, 1), else_=0))
    due_soon = func.sum(when((and_(OpenTask.due_at >= now, OpenTask.due_at <= soon), 1), else_=0))
    base = (select(Team.name).select_from(OpenTask)
            .join(Case, and_(OpenTask.subject_type == "cases", OpenTask.subject_id == Case.id))
            .join(Team, Team.id == Case.team_id)
            .where(visible_cases_filter(actor), OpenTask.due_at.is_not(None), OpenTask.due_at <= soon))
    by_step = db.session.execute(base.add_columns(OpenTask.name, overdue, due_soon)
                                 .group_by(Team.name, OpenTask.name).order_by(Team.name, overdue.desc())).all()
    by_worker = db.session.execute(base.add_columns(User.full_name, overdue, due_soon)
                                   .outerjoin(User, User.id == Case.allocated_worker_id)
                                   .group_by(Team.name, User.full_name).order_by(Team.name, overdue.desc())).all()
    gate = db.session.execute(
        select(Case.id, Team.name, OpenTask.bpmn_id, OpenTask.due_at).select_from(OpenTask)
        .join(Case, and_(OpenTask.subject_type == "cases", OpenTask.subject_id == Case.id))
        .join(Team, Team.id == Case.team_id)
        .where(visible_cases_filter(actor), OpenTask.bpmn_id.in_(GATE_RATIONALE)
               | and_(OpenTask.bpmn_id.in_(GATE_CONVENE), OpenTask.due_at <= soon))
        .order_by(Case.id)).all()
    return Dashboard(
        by_step=[tuple(row) for row in by_step],
        by_worker=[(team, worker or "Not allocated", late, soon_) for team, worker, late, soon_ in by_worker],
        day20=_gate_rows(gate, now),
        tables=[(table, table.rows(visible_cases_filter(actor))) for table in case_tables().dashboard],
        all_teams=actor.has_role(Role.SENIOR_MANAGER))


def _gate_rows(gate, now: datetime) -> list:
    """One row per case at the day-20 gate, saying what is missing (a case may wait on both of its steps)."""
    steps: dict[int, tuple[str, set, bool]] = {}
    for case_id, team, step, due_at in gate:
        _, seen, overdue = steps.setdefault(case_id, (team, set(), False))
        steps[case_id] = (team, seen | {step}, overdue or (due_at is not None and due_at < now))
    rows = []
    for case_id, (team, seen, overdue) in steps.items():
        if "meeting_rationale_again" in seen:
            missing = "Day 20 passed after a cancelled meeting: convene another, or sign the rationale"
        elif "meeting_rationale" in seen:
            missing = "Rationale waiting for the team manager's signature"
        elif "convene_again_by_day_20" in seen:
            missing = ("Day 20 passed after a cancelled meeting: convene another" if overdue
                       else "Day 20 close: the meeting was cancelled, none convened since")
        else:
            missing = "Day 20 close: no meeting convened yet"
        rows.append((case_id, case_reference(case_id), team, missing))
    return rows
