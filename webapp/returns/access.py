"""Who makes the statutory returns: team managers and senior managers (the census holds every child's coded
details and dates, never a name)."""
from __future__ import annotations

from webapp.auth.roles import Role
from webapp.errors import PermissionDenied

RETURNS_ROLES = (Role.TEAM_MANAGER, Role.SENIOR_MANAGER)


def require_returns_maker(actor) -> None:
    if not actor.has_role(*RETURNS_ROLES):
        raise PermissionDenied("The statutory returns are made by team managers and senior managers.")
