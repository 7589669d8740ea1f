"""Administration of people and teams. Every function checks that the actor is an administrator."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from webapp.agencies.models import Agency
from webapp.audit.services import Origin, record_event
from webapp.auth.models import Team, User, UserRole
from webapp.auth.passwords import hash_password, temporary_password
from webapp.auth.roles import CASE_ROLES, TEAM_ROLES, Role
from webapp.auth.services import find_user_by_username
from webapp.auth.sessions import DEACTIVATED, PASSWORD_RESET, end_all_for_user
from webapp.columns import utc_now
from webapp.errors import InvalidInput, NotFound, PermissionDenied
from webapp.extensions import db


@dataclass
class UserDetails:
    """What an administrator sets on an account."""

    full_name: str
    email: str
    roles: set[Role]
    team_id: int | None = None
    agency_id: int | None = None


def require_administrator(actor: User) -> None:
    """Refuse anyone who is not an administrator."""
    if not actor.has_role(Role.ADMINISTRATOR):
        raise PermissionDenied("Only administrators can manage people, teams and agencies.")


USERS_PAGE = 50


@dataclass
class UserSearch:
    """What an administrator looks for: words in a name, username or e-mail; a role; a team ("team-3") or an
    agency ("agency-5"); "active" or "deactivated" accounts."""

    text: str = ""
    role: str = ""
    group: str = ""
    status: str = ""

    @property
    def narrowed(self) -> bool:
        return bool(self.text.strip() or self.role or self.group or self.status)


@dataclass
class UserPage:
    users: list[User]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // USERS_PAGE))


def _user_filters(search: UserSearch) -> list:
    conditions = []
    words = search.text.strip().lower().split()
    for word in words[:5]:  # every word somewhere: "pat smith", "smith@council"
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(*(func.lower(column).like(pattern, escape="\\")
                                for column in (User.full_name, User.username, User.email))))
    if search.role in {role.value for role in Role}:
        conditions.append(User.id.in_(select(UserRole.user_id).where(UserRole.role == search.role)))
    kind, _, number = search.group.partition("-")
    if number.isdecimal() and kind in {"team", "agency"}:
        conditions.append((User.team_id if kind == "team" else User.agency_id) == int(number))
    if search.status in {"active", "deactivated"}:
        conditions.append(User.is_active == (search.status == "active"))
    return conditions


def search_users(actor: User, search: UserSearch, page: int = 1) -> UserPage:
    """Accounts matching the search, active first then by name, USERS_PAGE a page (past the last: the last)."""
    require_administrator(actor)
    conditions = _user_filters(search)
    total = db.session.scalar(select(func.count(User.id)).where(*conditions))
    page = min(max(page, 1), max(1, -(-total // USERS_PAGE)))
    users = db.session.scalars(
        select(User).where(*conditions).options(joinedload(User.team), joinedload(User.agency))
        .order_by(User.is_active.desc(), func.lower(User.full_name), User.id)
        .limit(USERS_PAGE).offset((page - 1) * USERS_PAGE)).all()
    return UserPage(list(users), total, page)


def get_user(actor: User, user_id: int) -> User:
    require_administrator(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such user.")
    return user


def _check_details(details: UserDetails) -> dict[str, str]:
    errors = {}
    if not details.full_name.strip():
        errors["full_name"] = "Enter the person's full name"
    if not details.roles:
        errors["roles"] = "Select at least one role"
    if Role.AGENCY_PRACTITIONER in details.roles:
        if details.roles & CASE_ROLES:
            errors["roles"] = "An agency practitioner cannot also hold a children's social care case role"
        if details.agency_id is None:
            errors["agency_id"] = "Select the agency this practitioner works for"
        elif db.session.get(Agency, details.agency_id) is None:
            errors["agency_id"] = "Select an agency from the list"
    elif details.agency_id is not None:
        errors["agency_id"] = "Only agency practitioners belong to an agency"
    if details.roles & TEAM_ROLES and details.team_id is None:
        errors["team_id"] = "Select the team of this social worker or team manager"
    if details.team_id is not None and db.session.get(Team, details.team_id) is None:
        errors["team_id"] = "Select a team from the list"
    return errors


def _apply_details(user: User, details: UserDetails) -> None:
    user.full_name = details.full_name.strip()
    user.email = details.email.strip().lower()
    user.team_id = details.team_id
    user.agency_id = details.agency_id
    wanted = {role.value for role in details.roles}
    user.role_rows = [row for row in user.role_rows if row.role in wanted] + [
        UserRole(role=role) for role in sorted(wanted - {row.role for row in user.role_rows})
    ]


def create_user(actor: User, username: str, details: UserDetails, *, origin: Origin) -> tuple[User, str]:
    """Create an account with a temporary password, returned once so the administrator can pass it on."""
    require_administrator(actor)
    errors = _check_details(details)
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        errors["username"] = "Enter a username made of letters, numbers, dots, hyphens or underscores"
    elif find_user_by_username(username) is not None:
        errors["username"] = "That username is taken"
    if errors:
        raise InvalidInput("The user was not created", errors)
    password = temporary_password()
    user = User(username=username, password_hash=hash_password(password), must_change_password=True,
                full_name="", email="")
    _apply_details(user, details)
    db.session.add(user)
    db.session.flush()
    record_event("user.created", actor=actor, subject=user, origin=origin,
                 detail={"roles": sorted(r.value for r in details.roles)})
    return user, password


def update_user(actor: User, user_id: int, details: UserDetails, *, origin: Origin) -> User:
    """Change a person's name, e-mail, roles, team or agency."""
    user = get_user(actor, user_id)
    errors = _check_details(details)
    if user.id == actor.id and Role.ADMINISTRATOR not in details.roles:
        errors["roles"] = "You cannot remove your own administrator role"
    if errors:
        raise InvalidInput("The changes were not saved", errors)
    before = sorted(user.roles)
    _apply_details(user, details)
    db.session.flush()
    record_event("user.updated", actor=actor, subject=user, origin=origin,
                 detail={"roles_before": [r.value for r in before],
                         "roles_after": sorted(r.value for r in details.roles)})
    return user


def set_user_active(actor: User, user_id: int, active: bool, *, origin: Origin) -> User:
    """Deactivate someone who has left (their sessions end at once), or reactivate them."""
    user = get_user(actor, user_id)
    if user.id == actor.id and not active:
        raise InvalidInput("You cannot deactivate your own account")
    if user.is_active == active:
        return user
    now = utc_now()
    user.is_active = active
    user.deactivated_at = None if active else now
    user.session_epoch += 1
    if not active:
        end_all_for_user(user.id, DEACTIVATED, now=now)
    record_event("user.reactivated" if active else "user.deactivated", actor=actor, subject=user, origin=origin)
    return user


def reset_password(actor: User, user_id: int, *, origin: Origin) -> tuple[User, str]:
    """Give the user a new temporary password, ending their sessions; returned once for the administrator."""
    user = get_user(actor, user_id)
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.session_epoch += 1
    end_all_for_user(user.id, PASSWORD_RESET, now=utc_now())
    record_event("user.password_reset", actor=actor, subject=user, origin=origin)
    return user, password


def list_teams(actor: User) -> list[Team]:
    require_administrator(actor)
    return list(db.session.scalars(select(Team).order_by(Team.name)))


def get_team(actor: User, team_id: int) -> Team:
    require_administrator(actor)
    team = db.session.get(Team, team_id)
    if team is None:
        raise NotFound("There is no such team.")
    return team


def save_team(actor: User, name: str, *, phone: str = "", team_id: int | None = None, origin: Origin) -> Team:
    """Create a team, or rename it or change its phone when team_id is given."""
    require_administrator(actor)
    name, phone = " ".join(name.split()), " ".join(phone.split())[:40] or None
    if not name:
        raise InvalidInput("The team was not saved", {"name": "Enter the team's name"})
    clash = db.session.scalar(select(Team).where(func.lower(Team.name) == name.lower()))
    if clash is not None and clash.id != team_id:
        raise InvalidInput("The team was not saved", {"name": "A team with that name exists already"})
    if team_id is None:
        team = Team(name=name, phone=phone)
        db.session.add(team)
    else:
        team = get_team(actor, team_id)
        team.name, team.phone = name, phone
    db.session.flush()
    record_event("team.saved", actor=actor, subject=team, origin=origin)
    return team
