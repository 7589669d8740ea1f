"""A child's name and date of birth go by e-mail only to mailboxes an administrator marked secure: the GP
practice's "assessment started" mail, read as the practice receives it, names the child only once its mailbox
is marked accredited; one rule (may_receive_identifying_details) decides for every address."""

import pytest
from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers, start_assessment
from tests.helpers import post_form, received_by, sign_in
from webapp.agencies.models import Agency, AgencyKind
from webapp.agencies.services import may_receive_identifying_details
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.config import MailSettings
from webapp.demo import DEMO_PASSWORD
from webapp.worker import send_due_mail

SERVICE_URL = "https://cin.partnership.example"
BORN = ("3 April 2019", "2019-04-03", "03/04/2019", "3/4/2019")


@pytest.fixture
def mail_settings(smtp_server):
    return MailSettings(host=smtp_server.host, port=smtp_server.port, sender="cin@partnership.example",
                        max_attempts=3, service_url=SERVICE_URL)


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


def save_practice(client, agency, *, secure: bool):
    """The administrator's agency form, posted as the browser does (the box ticked or left clear)."""
    data = {"name": agency.name, "kind": agency.kind, "email": agency.email, "is_active": "y",
            "safeguarding_lead_id": ""}
    if secure:
        data["is_secure_mailbox"] = "y"
    return post_form(client, f"/admin/agencies/{agency.id}", data)


def test_a_practice_not_marked_secure_gets_the_reference_and_a_link_and_once_marked_the_child_is_named(
        client, partnership_committed, smtp_server, mail_settings):
    session = partnership_committed
    sign_in(client, "admin", DEMO_PASSWORD)
    made = post_form(client, "/admin/agencies/new", {"name": "Riverside Surgery", "kind": "gp_practice",
                                                     "email": "safeguarding@riverside.example", "is_active": "y"})
    assert made.status_code == 302
    practice = session.scalar(select(Agency).where(Agency.name == "Riverside Surgery"))
    assert practice.is_secure_mailbox is False
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")

    ava = open_case(sw1, referral_answers("Ava", "Demochild", gp_id=practice.id))
    start_assessment(ava, sw1, tm1)
    reference = ava.reference
    session.commit()
    send_due_mail(mail_settings)
    (message, parts, _), = received_by(smtp_server, "safeguarding@riverside.example")
    assert message["Subject"] == f"Section 17 assessment started: case {reference}"
    assert parts and all(f"Case reference: {reference}" in text for text in parts)
    assert all(f"Sign in to the service: {SERVICE_URL}/" in text for text in parts)
    whole = message.as_string() + "".join(parts)
    for detail in ("Ava", "Demochild", *BORN):
        assert detail not in whole, detail
    assert "does not name the child" in parts[0]

    changed = save_practice(client, practice, secure=True)
    assert changed.status_code == 302
    session.rollback()  # read what the request committed
    assert session.get(Agency, practice.id).is_secure_mailbox is True
    audit, = session.scalars(select(AuditEvent).where(AuditEvent.action == "agency.mailbox_security_changed")).all()
    assert audit.actor_label == "admin" and (audit.subject_type, audit.subject_id) == ("agencies", practice.id)
    assert audit.detail["is_secure_mailbox"] is True
    assert "Accredited: e-mails name the child" in client.get("/admin/agencies/").text

    mia = open_case(user(session, "sw1"), referral_answers("Mia", "Sampleton", postcode="HG2 2BB", gp_id=practice.id))
    start_assessment(mia, user(session, "sw1"), user(session, "tm1"))
    session.commit()
    send_due_mail(mail_settings)
    _, (message, parts, _) = received_by(smtp_server, "safeguarding@riverside.example")
    assert "Mia" not in message["Subject"] and "Sampleton" not in message["Subject"]
    assert "Child: Mia Sampleton, born 3 April 2019" in parts[0]
    assert "does not name the child" not in parts[0]


def test_clearing_the_mark_is_audited_too_and_the_child_is_no_longer_named(client, partnership):
    practice = partnership.scalar(select(Agency).where(Agency.kind == AgencyKind.GP_PRACTICE.value))
    assert practice.is_secure_mailbox is True  # the demo practice stands for an NHSmail mailbox
    assert may_receive_identifying_details(practice.email)
    sign_in(client, "admin", DEMO_PASSWORD)
    assert save_practice(client, practice, secure=False).status_code == 302
    partnership.expire_all()
    assert may_receive_identifying_details(practice.email) is False
    audit = partnership.scalar(select(AuditEvent).where(AuditEvent.action == "agency.mailbox_security_changed"))
    assert audit.detail["is_secure_mailbox"] is False
    save_practice(client, practice, secure=False)  # saved again unchanged: nothing more to audit
    assert len(partnership.scalars(select(AuditEvent).where(
        AuditEvent.action == "agency.mailbox_security_changed")).all()) == 1


def test_one_rule_decides_for_every_address(partnership, factory):
    """Staff in a team: yes. An agency's mailbox or practitioner: as the agency is marked. Anyone else: no."""
    gp = partnership.scalar(select(Agency).where(Agency.kind == AgencyKind.GP_PRACTICE.value))
    school = partnership.scalar(select(Agency).where(Agency.kind == AgencyKind.SCHOOL.value))
    assert gp.is_secure_mailbox and not school.is_secure_mailbox
    assert may_receive_identifying_details(user(partnership, "sw1").email)  # the council's own mail
    assert may_receive_identifying_details(user(partnership, "tm1").email.upper())  # addresses ignore case
    assert may_receive_identifying_details(user(partnership, "gp1").email)  # a practitioner of a secure agency
    assert may_receive_identifying_details(gp.email)
    assert not may_receive_identifying_details(user(partnership, "school1").email)
    assert not may_receive_identifying_details(school.email)
    assert not may_receive_identifying_details("pat.demochild@example.net")  # a parent, a guest: not known
    assert not may_receive_identifying_details("") and not may_receive_identifying_details(None)
    # An address also known insecurely (here a second account at the school) gets the safer reading.
    second = factory.user(Role.AGENCY_PRACTITIONER, agency=school)
    second.email = user(partnership, "gp1").email
    partnership.flush()
    assert not may_receive_identifying_details(user(partnership, "gp1").email)
    leaver = factory.user(Role.SOCIAL_WORKER, is_active=False)  # a social worker who left: not a staff address now
    assert not may_receive_identifying_details(leaver.email)
