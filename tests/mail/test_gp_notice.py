"""The GP practice's notice names the allocated social worker and how to reach them (their e-mail, the team's
phone once an administrator records it on the team's page), in the body only; it identifies the patient by the
one rule (name, date of birth, NHS number) to the practice's secure mailbox; the school, not secure, gets the
same contact and no child. Read as each mailbox receives it from a real SMTP server on loopback."""

import pytest
from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers, start_assessment
from tests.helpers import post_form, received_by, signed_in
from webapp.agencies.models import Agency, AgencyKind
from webapp.auth.models import Team, User
from webapp.config import MailSettings
from webapp.worker import send_due_mail

GP_MAILBOX, SCHOOL_MAILBOX = "safeguarding@gp.example.org", "dsl@school.example.org"
CONTACT = ("Allocated social worker: Demo Social Worker One, Harrogate CIN team", "E-mail: sw1@example.org",
           "Team phone: 0300 123 4567")
IDENTIFIERS = ("Ava", "Demochild", "3 April 2019", "999 000 0018", "9990000018")


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


@pytest.fixture
def mail(smtp_server):
    return MailSettings(host=smtp_server.host, port=smtp_server.port, sender="cin@partnership.example",
                        max_attempts=3, service_url="https://cin.partnership.example")


def test_the_gp_notice_names_the_worker_and_the_team_phone_in_the_body_only(app, partnership_committed,
                                                                            smtp_server, mail):
    session = partnership_committed
    team = session.scalar(select(Team))
    admin = signed_in(app, "admin")
    saved = post_form(admin, f"/admin/teams/{team.id}", {"name": team.name, "phone": "  0300 123   4567 "})
    assert saved.status_code == 302
    assert "phone 0300 123 4567" in admin.get("/admin/teams").text
    session.rollback()  # read what the request committed
    assert session.get(Team, team.id).phone == "0300 123 4567"
    agencies = {a.kind: a.id for a in session.scalars(select(Agency))}
    case = open_case(user(session, "sw1"), referral_answers(
        gp_id=agencies[AgencyKind.GP_PRACTICE.value], agencies_involved=[agencies[AgencyKind.SCHOOL.value]],
        child_nhs_number="999 000 0018"))
    start_assessment(case, user(session, "sw1"), user(session, "tm1"))
    reference = case.reference
    session.commit()
    send_due_mail(mail)

    (message, parts, whole), = received_by(smtp_server, GP_MAILBOX)
    subject = message["Subject"]
    assert subject == f"Section 17 assessment started: case {reference}"
    body = parts[0]
    for line in (f"Case reference: {reference}",
                 "Child: Ava Demochild, born 3 April 2019, NHS number 999 000 0018", *CONTACT):
        assert line in body.splitlines(), line
    assert body.index("Child:") < body.index("Allocated social worker:")
    for detail in (*IDENTIFIERS, "Demo Social Worker", "sw1@example.org", "0300"):
        assert detail not in subject, detail

    (school_message, school_parts, _), = received_by(smtp_server, SCHOOL_MAILBOX)
    school_subject = school_message["Subject"]
    assert school_subject == subject
    assert all(line in school_parts[0].splitlines() for line in CONTACT)
    for detail in IDENTIFIERS:
        assert detail not in school_parts[0], detail


def test_without_a_team_phone_the_notice_gives_the_worker_s_e_mail(app, partnership, smtp_server, mail):
    session = partnership
    gp = session.scalar(select(Agency).where(Agency.kind == AgencyKind.GP_PRACTICE.value))
    session.scalar(select(Team)).phone = None
    case = open_case(user(session, "sw1"), referral_answers(gp_id=gp.id))
    start_assessment(case, user(session, "sw1"), user(session, "tm1"))
    session.commit()
    send_due_mail(mail)
    (_, parts, _), = received_by(smtp_server, GP_MAILBOX)
    lines = parts[0].splitlines()
    assert CONTACT[0] in lines and CONTACT[1] in lines and not any(line.startswith("Team phone") for line in lines)
    assert "Child: Ava Demochild, born 3 April 2019, NHS number not recorded" in lines
