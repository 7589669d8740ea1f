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

# The health agencies' mailboxes stand for NHSmail (marked secure: their e-mails name the child); the school's
# and the police hub's are not, so the tour shows both kinds of e-mail.
DEMO_AGENCIES = {
    "gp": ("Harrogate Demo Medical Practice", AgencyKind.GP_PRACTICE, "safeguarding@gp.example.org", True),
    "hv": ("Demo Health Visiting Service", AgencyKind.HEALTH_VISITING, "hv-team@health.example.org", True),
    "mw": ("Demo Maternity Unit", AgencyKind.MIDWIFERY, "midwives@health.example.org", True),
    "school": ("Demo Primary School", AgencyKind.SCHOOL, "dsl@school.example.org", False),
    "police": ("Demo Police Safeguarding Hub", AgencyKind.POLICE, "hub@police.example.org", False),
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
    "school1": ("Demo Class Teacher", {Role.AGENCY_PRACTITIONER}, False, "school"),
    "police1": ("Demo Police Officer", {Role.AGENCY_PRACTITIONER}, False, "police"),
    "school_lead1": ("Demo Designated Safeguarding Lead", {Role.AGENCY_PRACTITIONER}, False, "school"),
    "chair1": ("Demo Independent Chair", {Role.INDEPENDENT_CHAIR}, False, None),
    "po1": ("Demo Process Owner", {Role.PROCESS_OWNER}, False, None),
    "admin": ("Demo Administrator", {Role.ADMINISTRATOR}, False, None),
}


def seed_demo(session) -> bool:
    """Create the demo partnership unless it exists; returns whether anything was created."""
    if session.scalar(select(User).where(User.username == "admin")) is not None:
        return False
    team = Team(name=DEMO_TEAM, phone="01632 960100")  # a number Ofcom keeps for drama: it rings nobody
    agencies = {key: Agency(name=name, kind=kind.value, email=email, is_secure_mailbox=secure)
                for key, (name, kind, email, secure) in DEMO_AGENCIES.items()}
    session.add_all([team, *agencies.values()])
    password_hash = hash_password(DEMO_PASSWORD)
    for username, (full_name, roles, in_team, agency_key) in DEMO_USERS.items():
        session.add(User(
            username=username, full_name=full_name, email=f"{username}@example.org", password_hash=password_hash,
            team=team if in_team else None, agency=agencies[agency_key] if agency_key else None,
            role_rows=[UserRole(role=role.value) for role in sorted(roles)],
        ))
    session.flush()
    agencies["school"].safeguarding_lead = session.scalar(select(User).where(User.username == "school_lead1"))
    session.flush()
    return True


def seed_demo_cases(session) -> bool:
    """A known family for the tour: Ava Demochild's case, referred by sw1 and waiting for tm1's decision.
    Needs the Section 17 process deployed; returns whether the case was created."""
    from datetime import datetime, timezone

    from webapp.agencies.models import Agency
    from webapp.audit.services import NO_ORIGIN
    from webapp.cases.models import Child
    from webapp.cases.referrals import create_referral

    if session.scalar(select(Child).where(Child.family_name == "Demochild")) is not None:
        return False
    worker = session.scalar(select(User).where(User.username == "sw1"))
    gp = session.scalar(select(Agency).where(Agency.name == DEMO_AGENCIES["gp"][0]))
    create_referral(worker, {
        "child_given_names": "Ava", "child_family_name": "Demochild", "child_date_of_birth": "2019-04-03",
        "child_nhs_number": "999 000 0018",  # the NHS's test range: nobody's real number
        "child_gender": "girl", "address": "1 Demo Street, Harrogate", "postcode": "HG1 1AA",
        "school_or_nursery": DEMO_AGENCIES["school"][0],
        "household_members": [{"full_name": "Pat Demochild", "relationship": "mother",
                               "has_parental_responsibility": True}],
        "referrer_name": "Demo Class Teacher", "referrer_agency": DEMO_AGENCIES["school"][0],
        "referrer_contact": "dsl@school.example.org", "concern_what": "Ava has been arriving hungry and tired.",
        "parental_substance_use": "not_known", "domestic_abuse": "not_known", "parental_conflict": "no",
        "parental_mental_health": "not_known", "child_safe_now": True, "immediate_protection_needed": False,
        "gp_practice_id": gp.id, "parents_aware": True, "parents_consent": True,
        "child_wishes": "Ava says she would like breakfast at school.",
    }, None, origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    return True
