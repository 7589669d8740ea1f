"""Pregnancy notifications: midwifery notifies, health visiting acknowledges before the gestation deadline or is
chased then escalated; children's social care links the unborn baby to a known household; midwives learn nothing
of children's social care."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests.cases.builders import open_case, referral_answers, start_assessment
from tests.helpers import post_form, sign_in
from tests.pregnancy.builders import notification_answers as answers, notify
from webapp.agencies.models import Agency, AgencyKind
from webapp.audit.models import AuditEvent
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.cases.models import Child
from webapp.demo import DEMO_PASSWORD
from webapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from webapp.mail.models import OutboxMessage
from webapp.pregnancy import matching, services
from webapp.pregnancy.models import PregnancyNotification
from webapp.partnership.services import change_settings
from webapp.worker import fire_due_timers, rearm_deadlines
from webapp.workflow.expressions import before_gestation
from webapp.workflow.models import WorkflowInstance


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


def agency(session, kind):
    return session.scalar(select(Agency).where(Agency.kind == kind.value))


def known_family(session):
    """Pat Demochild's household: Ava's case, allocated to sw1."""
    case = open_case(user(session, "sw1"), referral_answers())
    start_assessment(case, user(session, "sw1"), user(session, "tm1"))
    return case


def test_the_deadline_is_the_day_before_the_pregnancy_reaches_the_setting():
    # due 7 September 2026: 28 weeks on 15 June, so acknowledged by the end of 14 June (23:59:59 London = 22:59 UTC)
    assert before_gestation("2026-09-07", 28) == "2026-06-14T22:59:59+00:00"
    assert before_gestation("2026-09-07", 24).startswith("2026-05-17")


def test_health_visiting_is_told_with_its_deadline_and_nothing_personal_in_the_subject(partnership, clock):
    notification = notify(partnership)
    assert services.acknowledgement_due(notification) == date(2026, 6, 14)
    told = partnership.scalars(select(OutboxMessage).where(OutboxMessage.kind == "pregnancy_notification")).all()
    assert {m.to_address for m in told} == {"hv1@example.org", "hv-team@health.example.org"}
    for message in told:
        assert message.subject == f"Pregnancy notification: {notification.reference}"
        assert "Pat" not in message.body_text and "Demochild" not in message.body_text
        assert "Acknowledge it by 14 June 2026" in message.body_text
    assert [n.id for n in services.notifications_for_agency(user(partnership, "hv1"))] == [notification.id]
    assert [n.id for n in services.notifications_for_agency(user(partnership, "mw1"))] == [notification.id]


def test_the_deadline_follows_the_partnership_s_gestation_setting(partnership_committed, clock):
    session = partnership_committed
    notification = notify(session)
    change_settings(user(session, "admin"), {"pregnancy_notification_weeks": "24"}, origin=NO_ORIGIN)
    session.commit()
    rearm_deadlines()  # what the worker does after a settings change
    notification = session.get(PregnancyNotification, notification.id)
    assert services.acknowledgement_due(notification) == date(2026, 5, 17)  # the day before 24 weeks


def test_a_late_notification_is_due_within_the_working_days_setting(partnership, clock):
    notification = notify(partnership, due="2026-04-20", gestation_at_booking_weeks=32)  # 33 weeks on 2 March
    assert services.acknowledgement_due(notification) == date(2026, 3, 4)


def test_bad_notifications_change_nothing(partnership, clock):
    for bad, field in ((answers(partnership, mother=""), "mother_name"),
                       (answers(partnership, due="2027-12-01"), "expected_delivery_on"),
                       (answers(partnership, booked_on="2026-04-01"), "booked_on"),
                       (answers(partnership, consent_to_share=False), "consent_notes"),
                       (answers(partnership, gestation_at_booking_weeks=20), "gestation_at_booking_weeks"),
                       (answers(partnership, health_visiting_agency_id=agency(partnership, AgencyKind.SCHOOL).id),
                        "health_visiting_agency_id")):
        with pytest.raises(InvalidInput) as refused:
            services.notify_pregnancy(user(partnership, "mw1"), bad, origin=NO_ORIGIN, now=datetime.now(timezone.utc))
        assert field in refused.value.field_errors
    for username in ("gp1", "hv1", "sw1"):
        with pytest.raises(PermissionDenied):
            services.notify_pregnancy(user(partnership, username), answers(partnership), origin=NO_ORIGIN,
                                      now=datetime.now(timezone.utc))
    assert partnership.scalar(select(func.count(PregnancyNotification.id))) == 0
    assert partnership.scalar(select(func.count(WorkflowInstance.id))
                              .where(WorkflowInstance.subject_type == "pregnancy_notifications")) == 0


def test_only_the_two_agencies_see_it_and_only_health_visiting_acknowledges(partnership, factory, clock):
    notification = notify(partnership)
    other_hv = factory.user(Role.AGENCY_PRACTITIONER, agency=factory.agency(AgencyKind.HEALTH_VISITING))
    for outsider in (other_hv, user(partnership, "gp1")):
        with pytest.raises((NotFound, PermissionDenied)):
            services.open_notification(outsider, notification.id, origin=NO_ORIGIN)
    with pytest.raises(PermissionDenied):
        services.acknowledge(user(partnership, "mw1"), notification.id, {"named_health_visitor": "x",
                                                                        "antenatal_contact_on": "2026-06-01"},
                             origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    with pytest.raises(InvalidInput):
        services.acknowledge(user(partnership, "hv1"), notification.id, {"antenatal_contact_on": "2026-06-01"},
                             origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    assert notification.acknowledged_at is None and services.acknowledgement_task(notification) is not None
    services.acknowledge(user(partnership, "hv1"), notification.id,
                         {"named_health_visitor": "Demo Health Visitor", "antenatal_contact_on": "2026-06-01"},
                         origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    assert notification.status == "Acknowledged" and services.acknowledgement_task(notification) is None
    assert partnership.scalar(select(OutboxMessage.subject).where(OutboxMessage.to_address == "mw1@example.org")) \
        == f"Pregnancy notification acknowledged: {notification.reference}"
    with pytest.raises(Conflict):
        services.acknowledge(user(partnership, "hv1"), notification.id,
                             {"named_health_visitor": "x", "antenatal_contact_on": "2026-06-01"},
                             origin=NO_ORIGIN, now=datetime.now(timezone.utc))


def test_a_social_worker_confirms_the_household_and_the_allocated_worker_is_told(partnership, factory, clock):
    case = known_family(partnership)
    notification = notify(partnership)
    stranger = notify(partnership, mother="Sam Nobody", postcode="HG9 9ZZ")
    assert (notification.household_match, stranger.household_match) == ("pending", "none")
    other_team = factory.user(Role.SOCIAL_WORKER, team=factory.team())
    assert matching.matches_for_social_care(other_team, origin=NO_ORIGIN) == []
    with pytest.raises(NotFound):
        matching.open_match(other_team, notification.id, origin=NO_ORIGIN)
    with pytest.raises(PermissionDenied):
        matching.matches_for_social_care(user(partnership, "mw1"), origin=NO_ORIGIN)
    found, = matching.matches_for_social_care(user(partnership, "sw2"), origin=NO_ORIGIN)
    assert found.notification.id == notification.id and found.candidates[0].cases == [case]
    with pytest.raises(InvalidInput):
        matching.decide_match(user(partnership, "sw2"), notification.id, 999999, origin=NO_ORIGIN,
                              now=datetime.now(timezone.utc))
    with pytest.raises(PermissionDenied):
        matching.decide_match(user(partnership, "sm1"), notification.id, None, origin=NO_ORIGIN,
                              now=datetime.now(timezone.utc))

    matching.decide_match(user(partnership, "sw2"), notification.id, case.child.household_id, origin=NO_ORIGIN,
                          now=datetime.now(timezone.utc))
    baby = partnership.get(Child, notification.unborn_child_id)
    assert (baby.household_id, baby.full_name, baby.expected_delivery_on) == \
        (case.child.household_id, "Unborn baby Demochild", date(2026, 9, 7))
    told = partnership.scalars(select(OutboxMessage).where(OutboxMessage.kind == "pregnancy_linked")).all()
    assert [(m.to_address, m.subject) for m in told] == \
        [("sw1@example.org", f"Unborn baby linked to the household: case {case.reference}")]
    assert partnership.scalar(select(AuditEvent.id).where(AuditEvent.action == "case.unborn_sibling_linked",
                                                          AuditEvent.subject_id == case.id))
    with pytest.raises(Conflict):
        matching.decide_match(user(partnership, "sw1"), notification.id, None, origin=NO_ORIGIN,
                              now=datetime.now(timezone.utc))


def test_a_rejected_match_links_nothing(partnership, clock):
    case = known_family(partnership)
    notification = notify(partnership)
    matching.decide_match(user(partnership, "sw1"), notification.id, None, origin=NO_ORIGIN,
                          now=datetime.now(timezone.utc))
    assert notification.household_match == "rejected" and notification.unborn_child_id is None
    assert [c.id for c in case.child.household.children] == [case.child_id]


def test_the_midwife_sees_the_same_pages_whether_or_not_the_family_is_known(partnership_committed, client, clock):
    session = partnership_committed
    case = known_family(session)
    session.commit()
    sign_in(client, "mw1", DEMO_PASSWORD)
    pages = []
    for mother, postcode in (("Pat Demochild", "HG1 1AA"), ("Sam Nobody", "HG9 9ZZ")):
        form = {**{k: v for k, v in answers(session, mother=mother, postcode=postcode).items()
                   if k not in ("expected_delivery_on", "booked_on", "safeguarding_flags")},
                "expected_delivery_on-day": "7", "expected_delivery_on-month": "9", "expected_delivery_on-year": "2026",
                "booked_on-day": "20", "booked_on-month": "2", "booked_on-year": "2026",
                "consent_to_share": "true", "safeguarding_flags": "domestic_abuse", "_action": "submit"}
        sent = post_form(client, "/pregnancy-notifications/new", form)
        assert sent.status_code == 302
        listing = client.get("/pregnancy-notifications")
        session.rollback()
        notification = session.scalars(select(PregnancyNotification).order_by(PregnancyNotification.id.desc())).first()
        page = client.get(f"/pregnancy-notifications/{notification.id}").text
        for text in (mother, postcode, notification.reference):
            page = page.replace(text, "")
        pages.append(page.split('<main', 1)[1].split("</main>")[0])
        assert case.reference not in listing.text + page and "social care" not in page.lower()
    assert pages[0] == pages[1]
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.get("/pregnancy-notifications?q=Demochild").text.count("Pat Demochild") == 1
    assert client.get("/pregnancy-notifications/known-families").status_code == 403


def test_unacknowledged_it_is_chased_on_the_day_then_escalated(partnership_committed, clock):
    session = partnership_committed
    notification = notify(session, due="2026-04-20", gestation_at_booking_weeks=32)  # acknowledged by Wed 4 March
    session.commit()
    clock.shift(timedelta(days=1))
    fire_due_timers()
    assert session.get(PregnancyNotification, notification.id).chased_at is None
    clock.shift(timedelta(days=2))  # Thursday 5 March: the deadline has passed
    fire_due_timers()
    notification = session.get(PregnancyNotification, notification.id)
    assert notification.status == "Chased" and notification.escalated_at is None
    reminders = session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.subject.like("Reminder%"))).all()
    assert sorted(reminders) == ["hv-team@health.example.org", "hv1@example.org"]
    clock.shift(timedelta(days=4))  # Monday 9 March: two more working days, still nothing
    fire_due_timers()
    notification = session.get(PregnancyNotification, notification.id)
    assert notification.status == "Escalated to the safeguarding lead"
    escalated = session.scalars(select(OutboxMessage.to_address).where(
        OutboxMessage.subject == f"Pregnancy notification unacknowledged: {notification.reference}")).all()
    assert sorted(escalated) == ["hv-team@health.example.org", "mw1@example.org"]
    services.acknowledge(user(session, "hv1"), notification.id,  # late, but still taken on
                         {"named_health_visitor": "Demo Health Visitor", "antenatal_contact_on": "2026-03-12"},
                         origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    session.commit()
    assert session.get(PregnancyNotification, notification.id).status == "Acknowledged"
