"""Information requests: only the agency asked sees them; answers land on the case; silence is chased, then
escalated to the team manager, on the partnership's working days."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers
from tests.helpers import csrf_token, sign_in
from webapp.agencies.models import Agency, AgencyKind
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.cases.access import visible_cases_filter
from webapp.demo import DEMO_PASSWORD
from webapp.errors import InvalidInput, NotFound, PermissionDenied
from webapp.information_requests import services
from webapp.information_requests.models import InformationRequest
from webapp.mail.models import OutboxMessage
from webapp.worker import fire_due_timers


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


def agency(session, kind):
    return session.scalar(select(Agency).where(Agency.kind == kind.value))


def ask(session, case, kind, question="What do you know?", addressed_to=None):
    return services.request_information(user(session, "sw1"), case.id, agency(session, kind).id, question,
                                        addressed_to_id=addressed_to, origin=NO_ORIGIN,
                                        now=datetime.now(timezone.utc))


def test_only_the_agency_asked_sees_the_request(partnership):
    case = open_case(user(partnership, "sw1"), referral_answers())
    request = ask(partnership, case, AgencyKind.GP_PRACTICE)
    assert [r.id for r in services.requests_for_agency(user(partnership, "gp1"))] == [request.id]
    assert services.requests_for_agency(user(partnership, "school1")) == []
    with pytest.raises(NotFound):
        services.open_request(user(partnership, "school1"), request.id, origin=NO_ORIGIN)
    for username in ("sw1", "tm1", "admin"):
        with pytest.raises((NotFound, PermissionDenied)):
            services.open_request(user(partnership, username), request.id, origin=NO_ORIGIN)
    assert {a.agency.kind for a in case.agencies} >= {"gp_practice"}  # the agencies-involved register grows


def test_a_request_to_a_named_practitioner_is_theirs_alone(partnership, factory):
    case = open_case(user(partnership, "sw1"), referral_answers())
    colleague = factory.user(factory_role(), agency=agency(partnership, AgencyKind.GP_PRACTICE))
    request = ask(partnership, case, AgencyKind.GP_PRACTICE, addressed_to=user(partnership, "gp1").id)
    assert services.requests_for_agency(colleague) == []
    assert [r.id for r in services.requests_for_agency(user(partnership, "gp1"))] == [request.id]
    with pytest.raises(InvalidInput):
        ask(partnership, case, AgencyKind.SCHOOL, addressed_to=user(partnership, "gp1").id)


def factory_role():
    from webapp.auth.roles import Role

    return Role.AGENCY_PRACTITIONER


def test_an_answer_lands_on_the_case_and_the_worker_is_told(client, partnership):
    case = open_case(user(partnership, "sw1"), referral_answers())
    request = ask(partnership, case, AgencyKind.GP_PRACTICE)
    partnership.commit()
    sign_in(client, "gp1", DEMO_PASSWORD)
    page = client.get(f"/requests/{request.id}")
    assert "What do you know?" in page.text and case.child.full_name in page.text
    refused = client.post(f"/requests/{request.id}", data={"csrf_token": csrf_token(page.text), "known_to_agency": "true"})
    assert refused.status_code == 400 and "Enter what you know about the child and family" in refused.text
    done = client.post(f"/requests/{request.id}", data={"csrf_token": csrf_token(page.text), "known_to_agency": "true",
                                                        "what_you_know": "Registered since birth; missed immunisations"})
    assert done.status_code == 302
    partnership.expire_all()
    answered = partnership.get(InformationRequest, request.id)
    assert answered.answer["what_you_know"].startswith("Registered") and answered.status == "Answered"
    told = partnership.scalars(select(OutboxMessage.to_address).where(OutboxMessage.subject.like("Information received%"))).all()
    assert told == ["sw1@example.org"]
    client.post("/sign-out", data={"csrf_token": csrf_token(client.get("/").text)})
    sign_in(client, "sw1", DEMO_PASSWORD)
    assert "missed immunisations" in client.get(f"/cases/{case.id}").text


def test_silence_is_chased_then_escalated(partnership_committed, clock):
    session = partnership_committed
    clock.move_to(datetime(2026, 3, 6, 10, 0, tzinfo=timezone.utc))  # Friday: 5 working days -> Fri 13 March
    case = open_case(user(session, "sw1"), referral_answers())
    request = ask(session, case, AgencyKind.SCHOOL)
    session.commit()
    clock.move_to(datetime(2026, 3, 13, 22, 0, tzinfo=timezone.utc))
    fire_due_timers()  # only the case's own referral-decision alert is due
    session.expire_all()
    assert session.get(InformationRequest, request.id).status == "Awaiting an answer"
    clock.move_to(datetime(2026, 3, 14, 0, 0, 1, tzinfo=timezone.utc))
    assert fire_due_timers()[0] >= 1
    session.expire_all()
    assert session.get(InformationRequest, request.id).status == "Chased"
    reminders = session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.subject.like("Reminder%"))).all()
    assert "school1@example.org" in reminders
    clock.move_to(datetime(2026, 3, 18, 0, 0, 1, tzinfo=timezone.utc))  # 2 more working days: end of Tue 17th
    assert fire_due_timers()[0] >= 1
    session.expire_all()
    assert session.get(InformationRequest, request.id).status == "Escalated to the team manager"
    escalated = session.scalars(select(OutboxMessage.to_address)
                                .where(OutboxMessage.subject.like("Information request unanswered%"))).all()
    assert escalated == ["tm1@example.org"]


def test_the_chaser_records_the_time_of_the_pass_that_ran_it(partnership, clock):
    """Handlers are told the time of the pass (ServiceCall.now) and never read the clock themselves: the chaser
    records the pass's moment, a few seconds after the frozen clock's here."""
    from datetime import timedelta

    from webapp.workflow import runtime

    session = partnership
    clock.move_to(datetime(2026, 3, 6, 10, 0, tzinfo=timezone.utc))
    request = ask(session, open_case(user(session, "sw1"), referral_answers()), AgencyKind.SCHOOL)
    clock.move_to(datetime(2026, 3, 16, 7, 30, tzinfo=timezone.utc))  # past the due date (end of Fri 13th)
    pass_time = datetime.now(timezone.utc) + timedelta(seconds=5)
    runtime.fire_due_timers(request.workflow_instance_id, now=pass_time)
    assert session.get(InformationRequest, request.id).chased_at == pass_time


def test_a_withdrawn_request_is_no_longer_outstanding_on_the_dashboard(partnership):
    case = open_case(user(partnership, "sw1"), referral_answers())
    school = agency(partnership, AgencyKind.SCHOOL)
    first, second = ask(partnership, case, AgencyKind.SCHOOL), ask(partnership, case, AgencyKind.SCHOOL)
    manager = user(partnership, "tm1")
    services.withdraw_request(manager, second.id, "The case closed before the school answered", origin=NO_ORIGIN,
                              now=datetime.now(timezone.utc))
    rows = services.unanswered_by_agency(visible_cases_filter(manager))
    assert (school.name, 1, 0, 0) in rows and first.withdrawn_at is None
