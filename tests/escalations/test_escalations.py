"""Professional resolution on the real diagram: an agency's online referral, a challenge of the decision, stage
by stage with the clock moved, who may see it, the stop for a child at immediate risk, and the partnership
report's figures."""
import csv
import io
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from tests.cases.builders import complete, open_case, referral_answers
from tests.meetings.test_links import convened_meeting
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.cases import referrals
from webapp.cases.access import get_visible_case
from webapp.cases.models import CaseAgency
from webapp.errors import InvalidInput, NotFound, PermissionDenied
from webapp.escalations import reports, services
from webapp.escalations.models import Escalation
from webapp.mail.models import OutboxMessage
from webapp.meetings.models import Invitee
from webapp.worker import fire_due_timers
from webapp.workflow.models import WorkflowInstance

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def user(session, username) -> User:
    return session.scalar(select(User).where(User.username == username))


def now():
    return datetime.now(timezone.utc)


def referred_and_closed(session):
    """school1 refers online; tm1 decides no further action."""
    school1 = user(session, "school1")
    case = referrals.create_agency_referral(school1, referral_answers(given="Ivy", family="Democase"),
                                            origin=NO_ORIGIN, now=now())
    complete(user(session, "tm1"), case, "referral_decision", {"decision": "no_further_action",
                                                               "decision_reasons": "Universal services suffice",
                                                               "referrer_acknowledged": False})
    return case, school1


def challenge(case, about_prefix="referral", **changes):
    base = dict(immediate_risk="no", about=f"{about_prefix}-{case.id}", category="threshold",
                description="The decision overlooks three incidents", risk_now="Hungry most mornings",
                outcome_sought="A Section 17 assessment")
    return services.Challenge(**{**base, **changes})


def stage_mail(session, number):
    return {m.to_address for m in session.scalars(select(OutboxMessage).where(
        OutboxMessage.subject.like(f"Escalation at stage {number}:%")))}


def test_an_agency_referral_is_followed_as_status_and_outcome_only(app, partnership, clock):
    case, school1 = referred_and_closed(partnership)
    assert case.referred_by_id == school1.id and case.team.name
    made, = referrals.referrals_made(school1, origin=NO_ORIGIN)
    assert (made.case.id, made.status, made.outcome) == (case.id, "Closed", "Referral: no further action")
    with pytest.raises(PermissionDenied):
        referrals.referrals_made(user(partnership, "sw1"), origin=NO_ORIGIN)


def test_a_child_at_immediate_risk_stops_the_form_and_nothing_is_saved(app, partnership, clock):
    case, school1 = referred_and_closed(partnership)
    with pytest.raises(services.ImmediateRisk):
        services.raise_escalation(school1, challenge(case, immediate_risk="yes"), origin=NO_ORIGIN, now=now())
    with pytest.raises(InvalidInput) as refused:
        services.raise_escalation(school1, challenge(case, immediate_risk="", description=" "), origin=NO_ORIGIN,
                                  now=now())
    assert set(refused.value.field_errors) == {"immediate_risk", "description"}
    assert partnership.scalars(select(Escalation)).all() == []


def test_only_what_someone_can_see_can_be_challenged(app, partnership, clock):
    case, _ = referred_and_closed(partnership)
    gp1 = user(partnership, "gp1")
    with pytest.raises(InvalidInput) as refused:  # gp1 did not make this referral
        services.raise_escalation(gp1, challenge(case), origin=NO_ORIGIN, now=now())
    assert "about" in refused.value.field_errors
    sw1 = user(partnership, "sw1")
    staff_case = open_case(sw1, referral_answers(given="Kit", family="Democase"))
    raised = services.raise_escalation(sw1, challenge(staff_case, "case"), origin=NO_ORIGIN, now=now())
    assert raised.agency_id is None and raised.stages[0].raiser_holder_id == sw1.id
    assert raised.stages[0].responder_holder.username == "tm1"  # not the raiser themselves


def test_stages_move_up_at_their_deadline_or_when_not_satisfied_and_the_chair_decides(partnership_committed, clock):
    session = partnership_committed
    case, school1 = referred_and_closed(session)
    escalation = services.raise_escalation(school1, challenge(case), origin=NO_ORIGIN, now=now())
    session.commit()
    first = escalation.stages[0]
    assert (first.raiser_holder.username, first.responder_holder.username) == ("school1", "sw1")
    assert first.due == datetime(2026, 3, 4, 23, 59, 59, tzinfo=timezone.utc)  # 2 working days, end of day
    assert stage_mail(session, 1) == {"school1@example.org", "sw1@example.org"}

    clock.move_to(datetime(2026, 3, 5, 0, 1, tzinfo=timezone.utc))  # nobody answered stage 1
    fire_due_timers()
    session.expire_all()
    escalation = session.get(Escalation, escalation.id)
    assert escalation.stage == 2 and escalation.stages[0].outcome == "deadline_passed"
    second = escalation.current_stage
    assert (second.raiser_holder.username, second.responder_holder.username) == ("school_lead1", "tm1")
    assert stage_mail(session, 2) == {"school_lead1@example.org", "tm1@example.org"}

    with pytest.raises(PermissionDenied):  # only the side that raised it takes it up
        services.not_resolved(user(session, "tm1"), escalation.id, "No", origin=NO_ORIGIN, now=now())
    services.not_resolved(user(session, "school_lead1"), escalation.id, "The team has not looked again",
                          origin=NO_ORIGIN, now=now())
    session.commit()
    fire_due_timers()
    session.expire_all()
    escalation = session.get(Escalation, escalation.id)
    assert escalation.stage == 3 and escalation.current_stage.responder_holder.username == "sm1"

    clock.move_to(datetime(2026, 3, 13, 0, 1, tzinfo=timezone.utc))  # five working days, unresolved
    fire_due_timers()
    session.expire_all()
    escalation = session.get(Escalation, escalation.id)
    assert escalation.stage == 4 and escalation.current_stage.responder_holder.username == "chair1"
    assert escalation.current_stage.due is None and "chair1@example.org" in stage_mail(session, 4)
    with pytest.raises(PermissionDenied):  # the chair's decision is final, and the chair's alone
        services.resolve(user(session, "school_lead1"), escalation.id, "Agreed", origin=NO_ORIGIN, now=now())
    services.resolve(user(session, "chair1"), escalation.id, "An assessment will start this week.",
                     origin=NO_ORIGIN, now=now())
    session.commit()
    fire_due_timers()
    told = {m.to_address for m in session.scalars(select(OutboxMessage).where(
        OutboxMessage.subject == f"Escalation resolved: case {case.reference}"))}
    assert told == {f"{name}@example.org" for name in ("school1", "sw1", "school_lead1", "tm1", "sm1", "chair1")}
    assert escalation.status == "resolved"
    assert session.get(WorkflowInstance, escalation.workflow_instance_id).is_completed


def test_the_raising_agency_sees_its_escalation_and_nobody_else_outside_the_case(app, partnership, clock):
    case, school1 = referred_and_closed(partnership)
    escalation = services.raise_escalation(school1, challenge(case), origin=NO_ORIGIN, now=now())
    services.add_entry(user(partnership, "sw1"), escalation.id, "We looked again at the incidents",
                       [{"action": "Share the chronology", "owner": "sw1", "due_on": "2026-03-04"}],
                       origin=NO_ORIGIN, now=now())
    for name in ("school1", "school_lead1", "sw1", "sw2", "tm1", "sm1", "chair1"):
        assert services.get_escalation(user(partnership, name), escalation.id).id == escalation.id
    with pytest.raises(NotFound):  # the raising agency sees its escalation, not the rest of the case
        get_visible_case(school1, case.id)
    for name in ("gp1", "hv1", "police1"):
        with pytest.raises(NotFound):
            services.get_escalation(user(partnership, name), escalation.id)
        assert services.my_escalations(user(partnership, name)) == []
    with pytest.raises(PermissionDenied):  # sw2 sees the case but does not hold this stage
        services.add_entry(user(partnership, "sw2"), escalation.id, "x", [], origin=NO_ORIGIN, now=now())
    with pytest.raises(InvalidInput):
        services.add_entry(user(partnership, "school1"), escalation.id, "x",
                           [{"action": "y", "owner": "z", "due_on": "invalid"}], origin=NO_ORIGIN, now=now())


def test_the_partnership_report_counts_what_was_created(app, partnership, clock):
    case, school1 = referred_and_closed(partnership)
    sw1, tm1 = user(partnership, "sw1"), user(partnership, "tm1")
    first = services.raise_escalation(school1, challenge(case), origin=NO_ORIGIN, now=now())
    clock.shift(86400)  # resolved a day later at stage 1: written by the case's side, agreed by the raiser
    services.resolve(sw1, first.id, "Assessment agreed", origin=NO_ORIGIN, now=now())
    services.confirm_outcome(school1, first.id, origin=NO_ORIGIN, now=now())
    second = services.raise_escalation(school1, challenge(case, category="information_sharing"), origin=NO_ORIGIN,
                                       now=now())
    services.not_resolved(school1, second.id, "Still waiting", origin=NO_ORIGIN, now=now())
    staff_case = open_case(sw1, referral_answers(given="Kit", family="Democase"))
    third = services.raise_escalation(sw1, challenge(staff_case, "case", category="timeliness"), origin=NO_ORIGIN,
                                      now=now())
    partnership.expire_all()

    report = reports.partnership_report(tm1, date(2026, 3, 1), date(2026, 3, 31), origin=NO_ORIGIN)
    assert len(report.escalations) == 3 and report.resolved == 1 and report.median_days_to_resolve == 1.0
    assert report.by_stage["Stage 1: practitioner to practitioner"] == 2
    assert report.by_stage["Stage 2: line managers or designated safeguarding leads"] == 1
    school = partnership.get(User, school1.id).agency.name
    assert report.by_agency == {"Children's social care": 1, school: 2}
    assert (report.by_category["Threshold or referral decision"], report.by_category["Information sharing"],
            report.by_category["Timeliness"]) == (1, 1, 1)
    rows = list(csv.DictReader(io.StringIO(reports.report_csv(report))))
    assert [(r["agency"], r["stage_reached"], r["status"], r["days_to_resolve"]) for r in rows] == [
        (school, "1", "resolved", "1.0"), (school, "2", "open", ""), ("Children's social care", "1", "open", "")]
    earlier = reports.partnership_report(tm1, date(2026, 2, 1), date(2026, 2, 28), origin=NO_ORIGIN)
    assert earlier.escalations == []
    with pytest.raises(PermissionDenied):
        reports.partnership_report(user(partnership, "school1"), date(2026, 3, 1), date(2026, 3, 31),
                                   origin=NO_ORIGIN)
    overview = reports.open_escalations(user(partnership, "chair1"), now())
    assert {e.id for e, _, _, _ in overview} == {second.id, third.id}  # the resolved one is not open


def test_a_meeting_or_an_information_request_of_the_agency_can_be_challenged(app, partnership, clock):
    meeting = convened_meeting(partnership)
    gp1 = user(partnership, "gp1")
    partnership.add(CaseAgency(case_id=meeting.case_id, agency_id=gp1.agency_id, added_at=now()))
    meeting.invitees.append(Invitee(name=gp1.full_name, email=gp1.email, kind="agency", user_id=gp1.id,
                                    agency_id=gp1.agency_id))
    partnership.flush()
    keys = {option.key for option in services.challengeable(gp1)}
    assert f"meeting-{meeting.id}" in keys
    raised = services.raise_escalation(gp1, challenge(meeting.case, "meeting", about=f"meeting-{meeting.id}"),
                                       origin=NO_ORIGIN, now=now())
    assert raised.agency_id == gp1.agency_id and raised.about.startswith("Multi-agency meeting on")
    assert f"meeting-{meeting.id}" not in {o.key for o in services.challengeable(user(partnership, "hv1"))}
