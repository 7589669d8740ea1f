"""Every agency on a case's agencies-involved register is told when the assessment starts, when its outcome is
decided and when the case closes (workflows/section17.bpmn's notify_agencies steps), once each, by case reference
with a sign-in link; an agency that joins the register mid-assessment is told the case is open. The child is named
only to a mailbox marked secure. Clock moved; mail delivered by the worker's own pass to a real SMTP server."""
from datetime import datetime, timezone
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from tests.cases.builders import (
    assessment_answers, check_open_work, complete, hold_meeting, open_case, referral_answers, start_assessment,
)
from webapp.agencies.models import Agency, AgencyKind
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.config import MailSettings
from webapp.information_requests.services import request_information
from webapp.worker import run_pass

SERVICE_URL = "https://cin.partnership.example"
CHILD = ("Ava", "Demochild", "3 April 2019")
NOTICES = ("gp_notification", "agency_notification")


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


def agency(session, kind):
    return session.scalar(select(Agency).where(Agency.kind == kind.value))


@pytest.fixture
def worker(smtp_server):
    """The worker's own pass at a moved clock, delivering to the loopback SMTP server; returns what each
    address has received so far: {address: [(subject, text body)]}."""
    settings = MailSettings(host=smtp_server.host, port=smtp_server.port, sender="cin@partnership.example",
                            max_attempts=3, service_url=SERVICE_URL)

    def run(clock, *when):
        clock.move_to(datetime(*when, tzinfo=timezone.utc))
        run_pass(settings)
        received = {}
        for envelope in smtp_server.envelopes:
            message = message_from_bytes(envelope.content, policy=policy.default)
            text = message.get_body(("plain",)).get_content()
            for address in envelope.rcpt_tos:
                received.setdefault(address, []).append((message["Subject"], text))
        return received
    return run


def notices(received, address, reference):
    """The register notices an address received (not invitations or requests), by subject."""
    titles = ("Section 17 assessment started", "Section 17 assessment outcome", "Child in need plan agreed",
              "Child in need case closed", "Child in need case open")
    return [(subject, text) for subject, text in received.get(address, [])
            if subject.endswith(f": case {reference}") and subject.startswith(titles)]


def assert_by_reference(subject, text, reference, *, named: bool):
    assert f"Case reference: {reference}" in text
    assert f"Sign in to the service: {SERVICE_URL}/" in text
    assert not any(part in subject for part in CHILD)
    if named:
        assert "Child: Ava Demochild, born 3 April 2019" in text
    else:
        assert not any(part in text for part in CHILD), text
        assert "does not name the child" in text


def test_every_agency_on_the_register_hears_of_the_assessment_its_outcome_and_the_closure(
        partnership_committed, clock, worker):
    session = partnership_committed
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    gp, school, police = (agency(session, kind) for kind in (AgencyKind.GP_PRACTICE, AgencyKind.SCHOOL,
                                                              AgencyKind.POLICE))
    assert gp.is_secure_mailbox and not school.is_secure_mailbox and not police.is_secure_mailbox
    addresses = {"gp": gp.email, "school": school.email, "police": police.email}

    clock.move_to(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    case = open_case(sw1, referral_answers(gp_id=gp.id, agencies_involved=[school.id]))
    reference = case.reference
    session.commit()
    received = worker(clock, 2026, 3, 2, 9, 30)
    assert notices(received, addresses["school"], reference) == []  # a referral is not yet open work
    start_assessment(case, sw1, tm1)
    session.commit()
    received = worker(clock, 2026, 3, 2, 10, 0)
    for key in ("gp", "school"):
        (subject, text), = notices(received, addresses[key], reference)
        assert subject == f"Section 17 assessment started: case {reference}"
        assert_by_reference(subject, text, reference, named=key == "gp")
    assert notices(received, addresses["police"], reference) == []

    # Mid-assessment the police hub joins the register (asked for what it knows): told the case is open. The
    # school, asked too, is on the register already and hears nothing more.
    for joining in (police, school):
        request_information(sw1, case.id, joining.id, "Anything known?", addressed_to_id=None, origin=NO_ORIGIN,
                            now=datetime.now(timezone.utc))
    session.commit()
    received = worker(clock, 2026, 3, 4, 10, 0)
    (subject, text), = notices(received, addresses["police"], reference)
    assert subject == f"Child in need case open: case {reference}"
    assert "Stage: Section 17 assessment." in text
    assert_by_reference(subject, text, reference, named=False)
    assert len(notices(received, addresses["school"], reference)) == 1

    complete(sw1, case, "assessment", assessment_answers())
    hold_meeting(sw1, case, "convene_by_day_20")
    complete(tm1, case, "manager_review", {"assessment_agreed": True})
    complete(tm1, case, "assessment_outcome", {"outcome": "cin_plan", "outcome_reasons": "x"})
    session.commit()
    received = worker(clock, 2026, 3, 9, 10, 0)
    for key in ("gp", "school", "police"):
        subject, text = notices(received, addresses[key], reference)[-1]
        assert subject == f"Section 17 assessment outcome: case {reference}"
        assert "Outcome: child in need plan." in text
        assert_by_reference(subject, text, reference, named=key == "gp")

    complete(sw1, case, "cin_plan", {"plan_agreed_on": "2026-03-09", "needs_and_worries": "x",
                                     "outcomes": [{"outcome": "x"}], "contingency": "x",
                                     "actions": [{"action": "x", "owner": "x", "due_on": "2026-04-01"}],
                                     "visiting_frequency": "weekly", "lead_practitioner": "x"})
    hold_meeting(sw1, case)  # the initial child in need meeting
    session.commit()
    received = worker(clock, 2026, 4, 13, 10, 0)
    hold_meeting(sw1, case)  # the first review, which closes the case
    complete(sw1, case, "cin_review", {"progress": "Outcomes met", "review_decision": "close",
                                       "reason_for_closure": "RC7",
                                       "closure_summary": "Family engaging with universal services",
                                       "serious_incident": False})
    check_open_work(sw1, case)  # the plan's action and both requests are open: the closure notice follows
    session.commit()
    received = worker(clock, 2026, 4, 14, 10, 0)

    subjects = {key: [subject for subject, _ in notices(received, address, reference)]
                for key, address in addresses.items()}
    assert subjects == {  # one each per milestone: the GP's plan notice is its own, as before
        "gp": [f"Section 17 assessment started: case {reference}", f"Section 17 assessment outcome: case {reference}",
               f"Child in need plan agreed: case {reference}", f"Child in need case closed: case {reference}"],
        "school": [f"Section 17 assessment started: case {reference}",
                   f"Section 17 assessment outcome: case {reference}", f"Child in need case closed: case {reference}"],
        "police": [f"Child in need case open: case {reference}", f"Section 17 assessment outcome: case {reference}",
                   f"Child in need case closed: case {reference}"],
    }
    for key, address in addresses.items():
        subject, text = notices(received, address, reference)[-1]
        assert_by_reference(subject, text, reference, named=key == "gp")


def test_an_agency_without_an_address_is_named_in_the_audit_and_two_agencies_sharing_a_mailbox_get_one_mail(
        partnership, clock):
    from webapp.audit.models import AuditEvent
    from webapp.mail.models import OutboxMessage

    session = partnership
    school = agency(session, AgencyKind.SCHOOL)
    nursery = Agency(name="Demo Nursery", kind=AgencyKind.SCHOOL.value, email=school.email.upper())
    youth = Agency(name="Demo Youth Club", kind=AgencyKind.OTHER.value, email=None)
    session.add_all([nursery, youth])
    session.flush()
    sw1 = user(session, "sw1")
    case = open_case(sw1, referral_answers(agencies_involved=[school.id, nursery.id, youth.id]))
    start_assessment(case, sw1, user(session, "tm1"))
    sent = session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.case_id == case.id,
                                                                  OutboxMessage.kind.in_(NOTICES))).all()
    assert sorted(address.lower() for address in sent) == [school.email]
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "case.agencies_notified"))
    assert audit.detail["milestone"] == "assessment_started" and audit.detail["without_email"] == [youth.id]
