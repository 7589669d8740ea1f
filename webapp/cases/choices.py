"""Choices that forms take from the service (`"x-choices": "<name>"` in a form's JSON Schema)."""
from __future__ import annotations

from sqlalchemy import select

from webapp.agencies.models import Agency, AgencyKind
from webapp.auth.models import User, UserRole
from webapp.auth.roles import Role
from webapp.cases.models import CaseAgency
from webapp.code_lists import code_list
from webapp.columns import LONDON, utc_now
from webapp.extensions import db
from webapp.shell.wording import field_phrase


CENSUS = "census:"


def choice_provider(team_id: int | None, case_id: int | None = None):
    """A provider for one team's forms (and, with `case_id`, one case's): name -> [(value, label)]."""

    def provide(name: str) -> list[tuple[str, str]]:
        if name.startswith(CENSUS):  # a statutory return's code list, this collection year's
            return code_list(name[len(CENSUS):], utc_now().astimezone(LONDON).date())
        if name == "case_action_owners":
            return action_owner_choices(team_id, case_id)
        if name == "case_agencies":
            return case_agency_choices(case_id)
        if name == "team_social_workers":
            workers = db.session.scalars(
                select(User).join(UserRole).where(User.team_id == team_id, User.is_active.is_(True),
                                                  UserRole.role == Role.SOCIAL_WORKER.value).order_by(User.full_name))
            return [(str(user.id), user.full_name) for user in workers]
        agencies = db.session.scalars(select(Agency).where(Agency.is_active.is_(True)).order_by(Agency.name)).all()
        if name == "gp_practices":
            return [(str(a.id), a.name) for a in agencies if a.kind == AgencyKind.GP_PRACTICE.value]
        if name == "health_visiting_services":
            return [(str(a.id), a.name) for a in agencies if a.kind == AgencyKind.HEALTH_VISITING.value]
        if name == "other_agencies":
            return [(str(a.id), f"{a.name} ({a.kind_label})") for a in agencies if a.kind != AgencyKind.GP_PRACTICE.value]
        if name == "agencies":
            return [(str(a.id), a.name) for a in agencies]
        raise KeyError(f"no choices called {name!r}")

    return provide


def action_owner_choices(team_id: int | None, case_id: int | None) -> list[tuple[str, str]]:
    """Who may own a plan action with their account: the team's social workers and managers, and the
    practitioners of the agencies on the case's agencies-involved register (none without a case)."""
    staff = db.session.scalars(
        select(User).join(UserRole).where(User.team_id == team_id, User.is_active.is_(True),
                                          UserRole.role.in_([Role.SOCIAL_WORKER.value, Role.TEAM_MANAGER.value]))
        .distinct().order_by(User.full_name)).all() if team_id is not None else []
    choices = [(str(user.id), f"{user.full_name} ({_staff_label(user)})") for user in staff]
    if case_id is not None:
        practitioners = db.session.execute(
            select(User, Agency.name).join(UserRole).join(Agency, Agency.id == User.agency_id)
            .join(CaseAgency, CaseAgency.agency_id == Agency.id)
            .where(CaseAgency.case_id == case_id, Agency.is_active.is_(True), User.is_active.is_(True),
                   UserRole.role == Role.AGENCY_PRACTITIONER.value)
            .order_by(Agency.name, User.full_name)).all()
        choices += [(str(user.id), f"{user.full_name} ({agency})") for user, agency in practitioners]
    return choices


def case_agency_choices(case_id: int | None) -> list[tuple[str, str]]:
    """The active agencies on the case's agencies-involved register (none without a case): those that may own a
    plan action."""
    if case_id is None:
        return []
    agencies = db.session.scalars(select(Agency).join(CaseAgency, CaseAgency.agency_id == Agency.id).where(
        CaseAgency.case_id == case_id, Agency.is_active.is_(True)).order_by(Agency.name))
    return [(str(agency.id), agency.name) for agency in agencies]


def _staff_label(user: User) -> str:
    return Role.TEAM_MANAGER.label if user.has_role(Role.TEAM_MANAGER) else Role.SOCIAL_WORKER.label


def check_choices(schema: dict, answers: dict, provide) -> dict[str, str]:
    """Errors for answers outside the service's choices (a worker who left the team, an agency closed)."""
    errors = {}

    def check(prop: dict, value, key: str):
        if "x-choices" in prop and str(value) not in {v for v, _ in provide(prop["x-choices"])}:
            errors[key] = f"Select {field_phrase(prop, key)} from the list"

    for key, prop in schema.get("properties", {}).items():
        value = answers.get(key)
        if value is None:
            continue
        if prop.get("type") == "array" and prop.get("items", {}).get("type") == "object":
            for index, row in enumerate(value):
                for sub_key, sub_prop in prop["items"].get("properties", {}).items():
                    if sub_key in row:
                        check(sub_prop, row[sub_key], f"{key}-{index}-{sub_key}")
        elif prop.get("type") == "array":
            for item in value:
                check(prop.get("items", {}), item, key)
        else:
            check(prop, value, key)
    return errors
