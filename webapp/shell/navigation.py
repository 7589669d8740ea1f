"""The service navigation: which pages each role sees. Later domains add their rows here."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

from webapp.auth.roles import Role


@dataclass(frozen=True)
class NavItem:
    text: str
    endpoint: str
    active_prefix: str  # endpoints starting with this mark the item as the current section
    roles: frozenset[Role] | None = None  # None: everyone signed in

    def visible_to(self, user) -> bool:
        return self.roles is None or user.has_role(*self.roles)


_ADMIN = frozenset({Role.ADMINISTRATOR})

NAVIGATION = (
    NavItem("Home", "shell.home", "shell.home"),
    NavItem("Users", "auth_admin.users", "auth_admin.user", _ADMIN),
    NavItem("Teams", "auth_admin.teams", "auth_admin.team", _ADMIN),
    NavItem("Agencies", "agencies.list_agencies_page", "agencies.", _ADMIN),
    NavItem("Audit trail", "audit.events", "audit.", _ADMIN),
)


def navigation_for(user) -> list[dict]:
    """govukServiceNavigation items for this user, the current section marked active."""
    if not user.is_authenticated:
        return []
    current = request.endpoint or ""
    return [
        {"href": url_for(item.endpoint), "text": item.text, "active": current.startswith(item.active_prefix)}
        for item in NAVIGATION
        if item.visible_to(user)
    ]
