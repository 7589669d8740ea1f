"""Who may see a case and who may do its steps: checked here, in the services, never only in pages."""
from __future__ import annotations

from sqlalchemy import false, true

from webapp.auth.roles import Role
from webapp.cases.models import Case
from webapp.errors import NotFound, PermissionDenied
from webapp.extensions import db

NOT_FOUND = "There is no such case, or it is not one your team works on."


def visible_cases_filter(actor):
    """A WHERE clause for the cases the actor may see: their team's, or every team's for senior managers.
    Agency practitioners see no case page (their view of a case comes through requests and meetings)."""
    if actor.has_role(Role.SENIOR_MANAGER):
        return true()
    if actor.has_role(Role.SOCIAL_WORKER, Role.TEAM_MANAGER) and actor.team_id is not None:
        return Case.team_id == actor.team_id
    return false()


def get_visible_case(actor, case_id: int) -> Case:
    """The case if the actor may see it; 'not found' otherwise, so that its existence is not given away."""
    case = db.session.get(Case, case_id)
    if case is None or not can_see(actor, case):
        raise NotFound(NOT_FOUND)
    return case


def can_see(actor, case: Case) -> bool:
    if actor.has_role(Role.SENIOR_MANAGER):
        return True
    return actor.has_role(Role.SOCIAL_WORKER, Role.TEAM_MANAGER) and actor.team_id == case.team_id


def can_do_step(actor, case: Case, role: str | None) -> bool:
    """A social-worker step is the allocated worker's (any social worker of the team's while unallocated);
    a team-manager step is for a team manager of the case's team."""
    if role == Role.SOCIAL_WORKER.value:
        return (actor.has_role(Role.SOCIAL_WORKER) and actor.team_id == case.team_id
                and case.allocated_worker_id in (None, actor.id))
    if role == Role.TEAM_MANAGER.value:
        return actor.has_role(Role.TEAM_MANAGER) and actor.team_id == case.team_id
    return role is not None and actor.has_role(Role(role)) and can_see(actor, case)


def can_do_task(actor, case: Case, task) -> bool:
    """The one rule for an open step: anyone holding one of the roles its diagram names (as the runtime checks),
    each role as `can_do_step` narrows it to this case."""
    return any(can_do_step(actor, case, role) for role in task.role_values)


def require_task(actor, case: Case, task) -> None:
    if not can_do_task(actor, case, task):
        who = " or ".join(Role(role).label.lower() for role in task.role_values) or "someone else"
        raise PermissionDenied(f"'{task.name}' is for the case's {who}.")
