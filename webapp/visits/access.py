"""Who records a visit: those who may work on the case (its allocated social worker, any of its team's social
workers while it is unallocated, and its team managers). Others who may see the case (a senior manager) read the
visits; agencies see neither."""
from __future__ import annotations

from webapp.auth.roles import Role
from webapp.cases.access import can_do_step, get_visible_case
from webapp.cases.models import Case
from webapp.errors import PermissionDenied


def may_record(actor, case: Case) -> bool:
    return any(can_do_step(actor, case, role.value) for role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER))


def case_to_record_on(actor, case_id: int) -> Case:
    """The case, if the actor may record a visit on it: 'not found' to anyone who may not see it."""
    case = get_visible_case(actor, case_id)
    if not may_record(actor, case):
        raise PermissionDenied("Visits are recorded by the case's social worker or team manager.")
    return case
