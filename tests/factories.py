"""Builders for test data: people with roles, teams and agencies."""
from __future__ import annotations

import itertools

from webapp.agencies.models import Agency, AgencyKind
from webapp.auth.models import Team, User, UserRole
from webapp.auth.passwords import hash_password
from webapp.auth.roles import Role

PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = hash_password(PASSWORD)
_numbers = itertools.count(1)


class Factory:
    def __init__(self, session, commit: bool = False):
        self.session = session
        self.commit = commit

    def _save(self, obj):
        self.session.add(obj)
        self.session.commit() if self.commit else self.session.flush()
        return obj

    def team(self, name: str | None = None) -> Team:
        return self._save(Team(name=name or f"Test team {next(_numbers)}"))

    def agency(self, kind: AgencyKind = AgencyKind.GP_PRACTICE, name: str | None = None) -> Agency:
        return self._save(Agency(name=name or f"Test agency {next(_numbers)}", kind=kind.value,
                                 email="agency@example.org"))

    def user(self, *roles: Role, username: str | None = None, team: Team | None = None,
             agency: Agency | None = None, **fields) -> User:
        roles = roles or (Role.SOCIAL_WORKER,)
        if team is None and set(roles) & {Role.SOCIAL_WORKER, Role.TEAM_MANAGER}:
            team = self.team()
        if agency is None and Role.AGENCY_PRACTITIONER in roles:
            agency = self.agency()
        number = next(_numbers)
        username = username or f"user{number}"
        return self._save(User(
            username=username, full_name=fields.pop("full_name", f"Test Person {number}"),
            email=f"{username}@example.org", password_hash=_PASSWORD_HASH, team=team, agency=agency,
            role_rows=[UserRole(role=role.value) for role in roles], **fields,
        ))
