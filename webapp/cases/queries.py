"""The list pages: "My tasks" and "Cases". Both read derived rows and indexed columns only, never a workflow."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, false, func, or_, select, true

from webapp.auth.roles import Role
from webapp.cases.access import visible_cases_filter
from webapp.cases.dashboard import due_soon_until
from webapp.auth.models import User
from webapp.cases.models import Case, Child, Stage
from webapp.references import case_id_from_reference, case_reference
from webapp.errors import PermissionDenied
from webapp.extensions import db
from webapp.workflow.models import OpenTask

PAGE_SIZE = 50


@dataclass
class TaskRow:
    case_id: int
    reference: str
    child_name: str
    task_id: str
    step: str
    ready_at: object
    due_at: object


# How "My tasks" may be sorted: due soonest first (no deadline last), by case, by step, or oldest first.
TASK_ORDERS = {
    "due": (OpenTask.due_at.is_(None), OpenTask.due_at, OpenTask.ready_at, OpenTask.id),
    "case": (Case.id, OpenTask.ready_at, OpenTask.id),
    "step": (OpenTask.name, OpenTask.due_at.is_(None), OpenTask.due_at, OpenTask.id),
    "waiting": (OpenTask.ready_at, OpenTask.id),
}


def _names_role(role: Role):
    # OpenTask.roles lists every role the diagram names ("social_worker,team_manager"): a step is anyone's of them.
    return ("," + func.coalesce(OpenTask.roles, OpenTask.role) + ",").contains(f",{role.value},")


def _my_tasks_filter(actor):
    conditions = []
    if actor.has_role(Role.SOCIAL_WORKER) and actor.team_id:
        conditions.append(and_(_names_role(Role.SOCIAL_WORKER), Case.team_id == actor.team_id,
                               or_(Case.allocated_worker_id == actor.id, Case.allocated_worker_id.is_(None))))
    if actor.has_role(Role.TEAM_MANAGER) and actor.team_id:
        conditions.append(and_(_names_role(Role.TEAM_MANAGER), Case.team_id == actor.team_id))
    return or_(*conditions) if conditions else false()


def _case_tasks():
    return select().select_from(OpenTask).join(Case, and_(OpenTask.subject_type == "cases",
                                                          OpenTask.subject_id == Case.id))


def _due_filter(due: str | None, now: datetime | None):
    if due == "overdue":
        return OpenTask.due_at < now
    if due == "soon":
        return and_(OpenTask.due_at >= now, OpenTask.due_at <= due_soon_until(now))
    return true()


def my_tasks(actor, limit: int = 200, *, order: str = "waiting", due: str | None = None,
             now: datetime | None = None, offset: int = 0) -> list[TaskRow]:
    """Ready steps for the actor: social-worker steps of their allocated cases (and of their team's unallocated
    cases), team-manager steps of their team's cases; a step naming both roles is on both lists. Sorted by
    TASK_ORDERS[order]; `due` ("overdue" or "soon", as of `now`) keeps only those."""
    if not actor.has_role(Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
        raise PermissionDenied("My tasks lists the case steps of social workers and team managers.")
    rows = db.session.execute(
        _case_tasks().add_columns(Case.id, Child.given_names, Child.family_name, OpenTask.task_id, OpenTask.name,
                                  OpenTask.ready_at, OpenTask.due_at)
        .join(Child, Child.id == Case.child_id).where(_my_tasks_filter(actor), _due_filter(due, now))
        .order_by(*TASK_ORDERS.get(order, TASK_ORDERS["waiting"])).limit(limit).offset(offset)
    ).all()
    return [TaskRow(r.id, case_reference(r.id), f"{r.given_names} {r.family_name}", r.task_id, r.name,
                    r.ready_at, r.due_at) for r in rows]


def count_my_tasks(actor, *, due: str | None = None, now: datetime | None = None) -> int:
    """How many steps "My tasks" lists for the actor (0 for anyone without case work), for the navigation and
    the list's pages."""
    if not actor.has_role(Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
        return 0
    return db.session.scalar(_case_tasks().add_columns(func.count()).where(_my_tasks_filter(actor),
                                                                           _due_filter(due, now)))


def my_cases(actor, limit: int = 20) -> list[CaseRow]:
    """The open cases allocated to the actor, longest open first."""
    rows = db.session.execute(
        select(Case.id, Child.given_names, Child.family_name, Child.date_of_birth, Case.stage, Case.opened_at)
        .join(Child, Child.id == Case.child_id)
        .where(Case.allocated_worker_id == actor.id, Case.closed_at.is_(None))
        .order_by(Case.opened_at, Case.id).limit(limit)).all()
    return [CaseRow(r.id, case_reference(r.id), f"{r.given_names} {r.family_name}", r.date_of_birth,
                    Stage(r.stage).label, actor.full_name, r.opened_at) for r in rows]


@dataclass
class CaseRow:
    case_id: int
    reference: str
    child_name: str
    date_of_birth: object
    stage: str
    allocated_worker: str | None
    opened_at: object
    next_due_at: object = None  # the soonest due date of the case's open steps


@dataclass
class CasePage:
    rows: list[CaseRow]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


# The stages in the order a case passes through them (sorting by stage follows the work, not the alphabet).
_STAGE_ORDER = case({s.value: n for n, s in enumerate((Stage.REFERRAL, Stage.ASSESSMENT, Stage.CIN_PLAN,
                                                      Stage.CHILD_PROTECTION, Stage.CLOSED))}, value=Case.stage,
                    else_=len(Stage))
# The soonest deadline of a case's open steps, from the derived rows: one seek on their subject index per case
# (about 30 ms for 20,000 cases on SQLite, measured in bench/section17_pages.py; a team's cases far less).
_NEXT_DUE = (select(func.min(OpenTask.due_at)).where(OpenTask.subject_type == "cases",
                                                      OpenTask.subject_id == Case.id)
             .correlate(Case).scalar_subquery())
# How "Cases" may be sorted: the columns, ascending; "desc" turns each round (cases with no deadline stay last).
CASE_ORDERS = {
    "opened": (Case.opened_at, Case.id),
    "reference": (Case.id,),
    "child": (func.lower(Child.family_name), func.lower(Child.given_names), Case.id),
    "stage": (_STAGE_ORDER, Case.opened_at, Case.id),
    "deadline": (_NEXT_DUE, Case.id),
}
# Each sort's first direction: the newest opened and the soonest deadline first, the rest A to Z.
CASE_DIRECTIONS = {"opened": "desc", "reference": "asc", "child": "asc", "stage": "asc", "deadline": "asc"}


def case_scopes(actor) -> dict[str, str]:
    """Whose cases the actor may narrow the list to ({value: label}; "" is everything they can see): their own
    with a case role, their team's for a team manager who can see every team's."""
    team_only = not actor.has_role(Role.SENIOR_MANAGER) and actor.team_id is not None
    scopes = {"": "All my team's cases" if team_only else "All cases"}
    if actor.has_role(Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
        scopes["mine"] = "Allocated to me"
    if actor.has_role(Role.TEAM_MANAGER) and not team_only and actor.team_id is not None:
        scopes["team"] = "My team's cases"
    return scopes


def _scope_filter(actor, scope: str):
    if scope == "mine":
        return Case.allocated_worker_id == actor.id
    if scope == "team":
        return Case.team_id == actor.team_id if actor.team_id is not None else false()
    return true()


def _case_order(order: str, descending: bool) -> list:
    ordered = [column.desc() if descending else column.asc() for column in CASE_ORDERS.get(order,
                                                                                          CASE_ORDERS["opened"])]
    if order == "deadline":  # no deadline last either way; NULLS LAST reads each case's deadline once, not twice
        ordered[0] = ordered[0].nulls_last()
    return ordered


def search_cases(actor, text: str = "", stage: str = "", page: int = 1, *, scope: str = "",
                 order: str = "opened", descending: bool = True) -> CasePage:
    """The actor's visible cases by reference or any part of the child's name, stage and whose they are
    (`scope`: "mine", "team"), sorted by CASE_ORDERS[order] (newest opened first by default), PAGE_SIZE a page;
    a page past the last gives the last."""
    if not actor.has_role(Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.SENIOR_MANAGER):
        raise PermissionDenied("The case list is for children's social care staff.")
    query = (select(Case.id).join(Child, Child.id == Case.child_id)
             .where(visible_cases_filter(actor), _scope_filter(actor, scope)))
    text = text.strip()
    if text:
        case_id = case_id_from_reference(text) if text.upper().startswith("CIN-") or text.isdecimal() else None
        pattern = f"%{text.lower()}%"
        name = func.lower(Child.given_names + " " + Child.family_name)
        query = query.where(Case.id == case_id if case_id is not None else name.like(pattern))
    if stage in {s.value for s in Stage}:
        query = query.where(Case.stage == stage)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = min(max(page, 1), max(1, -(-total // PAGE_SIZE)))
    ids = db.session.scalars(query.order_by(*_case_order(order, descending)).limit(PAGE_SIZE)
                             .offset((page - 1) * PAGE_SIZE)).all()
    found = {r.id: r for r in db.session.execute(
        select(Case.id, Child.given_names, Child.family_name, Child.date_of_birth, Case.stage, User.full_name,
               Case.opened_at, _NEXT_DUE.label("next_due_at"))
        .join(Child, Child.id == Case.child_id).outerjoin(User, User.id == Case.allocated_worker_id)
        .where(Case.id.in_(ids)))}
    rows = [found[case_id] for case_id in ids]
    return CasePage([CaseRow(r.id, case_reference(r.id), f"{r.given_names} {r.family_name}", r.date_of_birth,
                             Stage(r.stage).label, r.full_name, r.opened_at, r.next_due_at) for r in rows],
                    total, page)
