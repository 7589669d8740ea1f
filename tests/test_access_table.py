"""The access table in docs/ACCESS.md, walked: every role against every row, exactly as the table says."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.cases.builders import complete, convene, record_attendance, referral_answers, start_meeting_now
from tests.factories import PASSWORD, Factory
from tests.helpers import sign_in
from tests.minutes.builders import approve, user, write
from tests.pregnancy.builders import notify
from webapp.api import tokens
from webapp.audit.services import NO_ORIGIN
from webapp.auth.roles import Role
from webapp.cases import referrals
from webapp.demo import DEMO_PASSWORD, DEMO_USERS
from webapp.escalations import services as escalations
from webapp.extensions import db
from webapp.worker import render_documents

TABLE = Path(__file__).resolve().parent.parent / "docs" / "ACCESS.md"
WALKED_AS = {"social_worker": "sw1", "team_manager": "tm1", "senior_manager": "sm1",
             "agency_practitioner": "gp1", "process_owner": "po1", "administrator": "admin",
             "independent_chair": "chair1"}
# Rows about a meeting "my agency was invited to, but not me" are walked by gp1's colleague, never invited.
NOT_ME, COLLEAGUE = ", but not me", {"agency_practitioner": "gp2"}


def rows() -> tuple[list[str], list[tuple[str, str, list[str]]]]:
    """(role columns, [(record, address, yes/no per role)]) from the markdown table."""
    lines = [line for line in TABLE.read_text().splitlines() if line.startswith("|")]
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    header, body = cells[0], [c for c in cells[2:]]
    return header[2:], [(c[0], c[1].strip("`"), c[2:]) for c in body]


def test_the_table_names_every_role_and_only_yes_or_no():
    roles, body = rows()
    assert set(roles) == set(WALKED_AS) and len(body) >= 20
    assert any(record.endswith(NOT_ME) for record, _, _ in body)
    assert all(set(answers) <= {"yes", "no"} and len(answers) == len(roles) for _, _, answers in body)


@pytest.fixture
def world(app, partnership, clock):
    """A case referred online by gp1, allocated to sw1; its day-20 meeting held with minutes issued and printed;
    an escalation gp1 raised about the meeting."""
    session, now = partnership, datetime.now(timezone.utc)
    gp1, sw1, tm1 = user(session, "gp1"), user(session, "sw1"), user(session, "tm1")
    case = referrals.create_agency_referral(gp1, referral_answers(gp_id=gp1.agency_id), origin=NO_ORIGIN, now=now)
    complete(tm1, case, "referral_decision", {"decision": "section17_assessment", "allocated_worker_id": sw1.id,
                                              "decision_reasons": "x", "referrer_acknowledged": False})
    meeting = convene(sw1, case, "convene_by_day_20", now + timedelta(hours=1))
    start_meeting_now(meeting)
    record_attendance(sw1, case, meeting)
    write(sw1, case)
    version = approve(tm1, case)
    session.commit()
    render_documents(limit=10)
    notification = notify(session)  # mw1 notifies a pregnancy of the child's mother
    Factory(session).user(Role.AGENCY_PRACTITIONER, username="gp2", agency=gp1.agency)  # after the invitations
    # another team's case in the walked child's household, linked at its referral: that team's (and seniors') alone
    other_team = Factory(session).team("Scarborough CIN team")
    other_case = referrals.create_referral(Factory(session).user(Role.SOCIAL_WORKER, team=other_team),
                                           referral_answers("Leo"), case.child.household_id, origin=NO_ORIGIN, now=now)
    escalation = escalations.raise_escalation(gp1, escalations.Challenge(
        "no", f"meeting-{meeting.id}", "roles", "Who visits", "Low", "Clarity"), origin=NO_ORIGIN, now=now)
    session.commit()
    return {"case": case.id, "child": case.child_id, "meeting": meeting.id, "document": version.document_id,
            "escalation": escalation.id, "notification": notification.id, "other_team_case": other_case.id}


def walker(app, username: str):
    """A signed-in test client and a personal API token of the same user."""
    client = app.test_client()
    sign_in(client, username, DEMO_PASSWORD if username in DEMO_USERS else PASSWORD)
    _, token = tokens.create_personal_token(user(db.session, username), "walk", days=1, origin=NO_ORIGIN,
                                            now=datetime.now(timezone.utc))
    db.session.commit()
    return client, token


@pytest.mark.parametrize("role", list(WALKED_AS))
def test_every_role_against_every_row(app, world, role):
    roles, body = rows()
    walkers = {name: walker(app, name) for name in {WALKED_AS[role], COLLEAGUE.get(role, WALKED_AS[role])}}
    wrong = []
    for record, address, answers in body:
        allowed = answers[roles.index(role)] == "yes"
        name = COLLEAGUE.get(role, WALKED_AS[role]) if record.endswith(NOT_ME) else WALKED_AS[role]
        client, token = walkers[name]
        headers = {"Authorization": f"Bearer {token}"} if address.startswith("/api/") else {}
        status = client.get(address.format(**world), headers=headers).status_code
        if (status == 200) != allowed or (not allowed and status not in {403, 404}):
            wrong.append(f"{record} ({address}) as {name}: {status}, the table says {'yes' if allowed else 'no'}")
    assert not wrong, f"{role} ({WALKED_AS[role]}):\n" + "\n".join(wrong)
