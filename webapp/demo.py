"""The demo partnership created by `flask seed-demo` (development only). Every password is demo-password."""
from __future__ import annotations

from sqlalchemy import select

from webapp.agencies.models import Agency, AgencyKind
from webapp.auth.models import Team, User, UserRole
from webapp.auth.passwords import hash_password
from webapp.auth.roles import Role

DEMO_PASSWORD = "demo-password"
DEMO_TEAM = "Harrogate CIN team"

# Names the demo cases will use; tests fail if any log record carries one of them.
DEMO_CHILD_NAMES = ("Ava Demochild", "Leo Demochild", "Mia Sampleton", "Baby Sampleton")

DEMO_AGENCIES = {
    "gp": ("Harrogate Demo Medical Practice", AgencyKind.GP_PRACTICE, "safeguarding@gp.example.org"),
    "hv": ("Demo Health Visiting Service", AgencyKind.HEALTH_VISITING, "hv-team@health.example.org"),
    "mw": ("Demo Maternity Unit", AgencyKind.MIDWIFERY, "midwives@health.example.org"),
    "school": ("Demo Primary School", AgencyKind.SCHOOL, "dsl@school.example.org"),
    "police": ("Demo Police Safeguarding Hub", AgencyKind.POLICE, "hub@police.example.org"),
}

# username: (full name, roles, team?, agency key)
DEMO_USERS = {
    "sw1": ("Demo Social Worker One", {Role.SOCIAL_WORKER}, True, None),
    "sw2": ("Demo Social Worker Two", {Role.SOCIAL_WORKER}, True, None),
    "tm1": ("Demo Team Manager", {Role.TEAM_MANAGER}, True, None),
    "sm1": ("Demo Senior Manager", {Role.SENIOR_MANAGER}, False, None),
    "gp1": ("Demo GP", {Role.AGENCY_PRACTITIONER}, False, "gp"),
    "hv1": ("Demo Health Visitor", {Role.AGENCY_PRACTITIONER}, False, "hv"),
    "mw1": ("Demo Midwife", {Role.AGENCY_PRACTITIONER}, False, "mw"),
    "school1": ("Demo Designated Safeguarding Lead", {Role.AGENCY_PRACTITIONER}, False, "school"),
    "police1": ("Demo Police Officer", {Role.AGENCY_PRACTITIONER}, False, "police"),
    "po1": ("Demo Process Owner", {Role.PROCESS_OWNER}, False, None),
    "admin": ("Demo Administrator", {Role.ADMINISTRATOR}, False, None),
}


def seed_demo(session) -> bool:
    """Create the demo partnership unless it exists; returns whether anything was created."""
    if session.scalar(select(User).where(User.username == "admin")) is not None:
        return False
    team = Team(name=DEMO_TEAM)
    agencies = {key: Agency(name=name, kind=kind.value, email=email)
                for key, (name, kind, email) in DEMO_AGENCIES.items()}
    session.add_all([team, *agencies.values()])
    password_hash = hash_password(DEMO_PASSWORD)
    for username, (full_name, roles, in_team, agency_key) in DEMO_USERS.items():
        session.add(User(
            username=username, full_name=full_name, email=f"{username}@example.org", password_hash=password_hash,
            team=team if in_team else None, agency=agencies[agency_key] if agency_key else None,
            role_rows=[UserRole(role=role.value) for role in sorted(roles)],
        ))
    session.flush()
    return True
