"""The service navigation: which pages each role sees, with how many steps wait in "My tasks"."""
from __future__ import annotations

from dataclasses import dataclass

from flask import g, request, url_for

from webapp.auth.roles import Role
from webapp.cases.queries import count_my_tasks


@dataclass(frozen=True)
class NavItem:
    text: str
    endpoint: str
    active_prefix: str  # endpoints starting with this mark the item as the current section
    roles: frozenset[Role] | None = None  # None: everyone signed in
    agency_kinds: frozenset[str] | None = None  # None: practitioners of any agency

    def visible_to(self, user) -> bool:
        if self.agency_kinds is not None and (user.agency is None or user.agency.kind not in self.agency_kinds):
            return False
        return self.roles is None or user.has_role(*self.roles)


_ADMIN = frozenset({Role.ADMINISTRATOR})
_CASEWORK = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER})

NAVIGATION = (
    NavItem("Home", "frame.home", "frame.home"),
    NavItem("My tasks", "cases.tasks", "cases.tasks", _CASEWORK),
    NavItem("Cases", "cases.case_list", "cases.case", _CASEWORK | {Role.SENIOR_MANAGER}),
    NavItem("New referral", "cases.new_referral", "cases.new_referral", _CASEWORK),
    NavItem("Dashboard", "cases.dashboard", "cases.dashboard", frozenset({Role.TEAM_MANAGER, Role.SENIOR_MANAGER})),
    NavItem("Returns", "returns.index", "returns.", frozenset({Role.TEAM_MANAGER, Role.SENIOR_MANAGER})),
    NavItem("Information requests", "information_requests.agency_requests", "information_requests.",
            frozenset({Role.AGENCY_PRACTITIONER})),
    NavItem("Meetings", "minutes.my_meetings", "minutes.", frozenset({Role.AGENCY_PRACTITIONER})),
    NavItem("Make a referral", "cases.agency_referral", "cases.agency_referral", frozenset({Role.AGENCY_PRACTITIONER})),
    NavItem("Referrals I made", "cases.my_referrals", "cases.my_referrals", frozenset({Role.AGENCY_PRACTITIONER})),
    NavItem("Pregnancy notifications", "pregnancy.agency_list", "pregnancy.", frozenset({Role.AGENCY_PRACTITIONER}),
            frozenset({"midwifery", "health_visiting"})),
    NavItem("Pregnancy notifications", "pregnancy.known_families", "pregnancy.", _CASEWORK),
    NavItem("Escalations", "escalations.index", "escalations.",
            _CASEWORK | {Role.SENIOR_MANAGER, Role.AGENCY_PRACTITIONER, Role.INDEPENDENT_CHAIR}),
    NavItem("Processes", "processes.index", "processes.", frozenset({Role.PROCESS_OWNER, Role.ADMINISTRATOR})),
    NavItem("Users", "auth_admin.users", "auth_admin.user", _ADMIN),
    NavItem("Teams", "auth_admin.teams", "auth_admin.team", _ADMIN),
    NavItem("All API tokens", "api_tokens.admin_tokens", "api_tokens.admin", _ADMIN),
    NavItem("Agencies", "agencies.list_agencies_page", "agencies.", _ADMIN),
    NavItem("Settings", "partnership.settings", "partnership.", _ADMIN),
    NavItem("Mail", "mail.overview", "mail.", _ADMIN),
    NavItem("Calendar replies", "meeting_replies.unmatched", "meeting_replies.unmatched", _ADMIN),
    NavItem("Audit trail", "audit.events", "audit.", _ADMIN),
)


def open_step_count(user) -> int:
    """The steps waiting in the person's "My tasks", counted once a request (the navigation and the home page)."""
    if "open_step_count" not in g:
        g.open_step_count = count_my_tasks(user)
    return g.open_step_count


def navigation_for(user) -> list[dict]:
    """govukServiceNavigation items for this user, the current section marked active."""
    if not user.is_authenticated:
        return []
    current = request.endpoint or ""
    items = []
    for item in NAVIGATION:
        if item.visible_to(user):
            text = item.text
            if item.endpoint == "cases.tasks":  # how many steps wait, on every page
                text = f"{text} ({open_step_count(user)})"
            items.append({"href": url_for(item.endpoint), "text": text,
                          "active": current.startswith(item.active_prefix)})
    return items
