"""An outcome is agreed only when the side that raised the escalation confirms it: the case's side writes the
statement, the raiser's side confirms it (then it is on the case record) or disagrees with a reason (then the
next stage opens), and a statement left unconfirmed at the stage's deadline moves it on, through the worker's
own pass with the clock moved. The step is in the diagram."""
from datetime import datetime, timezone

import pytest
from lxml import etree
from sqlalchemy import select

from tests.escalations.test_escalations import challenge, referred_and_closed, stage_mail, user
from tests.helpers import csrf_token, sign_in
from tests.workflows.test_diagram_layout import WORKFLOWS
from webapp.audit.services import NO_ORIGIN
from webapp.demo import DEMO_PASSWORD
from webapp.errors import Conflict, InvalidInput, PermissionDenied
from webapp.escalations import services
from webapp.escalations.models import Escalation
from webapp.mail.models import OutboxMessage
from webapp.worker import fire_due_timers
from webapp.workflow.models import OpenTask, WorkflowInstance

STATEMENT = "A Section 17 assessment starts on Monday; the school shares its chronology by Friday."
STAGE_1_DEADLINE = datetime(2026, 3, 4, 23, 59, 59, tzinfo=timezone.utc)  # two working days from Monday 2 March


def now():
    return datetime.now(timezone.utc)


def reload(session, escalation_id) -> Escalation:
    """Read again what other transactions (the web's, the worker's) committed."""
    session.rollback()
    return session.get(Escalation, escalation_id)


def confirmation(session, escalation) -> OpenTask | None:
    return session.scalar(select(OpenTask).where(OpenTask.instance_id == escalation.workflow_instance_id))


def raised_and_answered(session):
    """school1 challenges the decision on its referral; sw1 (the case's side) writes an outcome statement."""
    case, school1 = referred_and_closed(session)
    escalation = services.raise_escalation(school1, challenge(case), origin=NO_ORIGIN, now=now())
    services.resolve(user(session, "sw1"), escalation.id, STATEMENT, origin=NO_ORIGIN, now=now())
    session.commit()
    return case, school1, reload(session, escalation.id)


def post(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token(client.get(url.rsplit("/", 1)[0]).text), **data})


def test_the_challenged_team_alone_cannot_close_it_and_the_raiser_s_confirmation_does(partnership_committed,
                                                                                       clock, client):
    session = partnership_committed
    case, school1, escalation = raised_and_answered(session)
    stage = escalation.current_stage
    assert escalation.status == "open" and escalation.outcome_statement is None
    assert stage.closed_at is None and stage.proposed_statement == STATEMENT
    assert not session.get(WorkflowInstance, escalation.workflow_instance_id).is_completed
    step = confirmation(session, escalation)
    assert (step.bpmn_id, step.name, step.due_at) == ("confirm_outcome_1", "Confirm the agreed outcome",
                                                      STAGE_1_DEADLINE)
    asked, = session.scalars(select(OutboxMessage).where(
        OutboxMessage.subject == f"Confirm the agreed outcome: case {case.reference}"))
    assert asked.to_address == "school1@example.org" and "4 March 2026" in asked.body_text
    with pytest.raises(PermissionDenied):  # the challenged team cannot confirm its own statement
        services.confirm_outcome(user(session, "sw1"), escalation.id, origin=NO_ORIGIN, now=now())
    with pytest.raises(Conflict):  # nor write another over it
        services.resolve(user(session, "sw1"), escalation.id, "Something else", origin=NO_ORIGIN, now=now())
    session.rollback()

    sign_in(client, "sw1", DEMO_PASSWORD)
    assert STATEMENT not in client.get(f"/cases/{case.id}").text  # not on the child's record yet
    page = client.get(f"/escalations/{escalation.id}").text
    assert "Waiting for Demo" in page and 'action="/escalations/%d/confirm"' % escalation.id not in page
    client.post("/sign-out", data={"csrf_token": csrf_token(page)})

    sign_in(client, "school1", DEMO_PASSWORD)
    page = client.get(f"/escalations/{escalation.id}").text
    assert "Confirm the agreed outcome" in page and STATEMENT in page and "Answer by 4 Mar" in page
    refused = post(client, f"/escalations/{escalation.id}/confirm", {})
    assert refused.status_code == 400 and "Select whether you agree" in refused.text
    agreed = post(client, f"/escalations/{escalation.id}/confirm", {"outcome_agreed": "yes"})
    assert agreed.status_code == 302

    escalation = reload(session, escalation.id)
    assert escalation.status == "resolved" and escalation.outcome_statement == STATEMENT
    assert escalation.resolved_by.username == "school1" and escalation.stages[0].outcome == "resolved"
    assert session.get(WorkflowInstance, escalation.workflow_instance_id).is_completed
    told = {m.to_address for m in session.scalars(select(OutboxMessage).where(
        OutboxMessage.subject == f"Escalation resolved: case {case.reference}"))}
    assert told == {"school1@example.org", "sw1@example.org"}
    client.post("/sign-out", data={"csrf_token": csrf_token(client.get("/").text)})
    sign_in(client, "sw1", DEMO_PASSWORD)
    assert STATEMENT in client.get(f"/cases/{case.id}").text  # now on the child's record


def test_the_raiser_disagreeing_takes_it_to_the_next_stage_with_its_holders(partnership_committed, clock):
    session = partnership_committed
    case, school1, escalation = raised_and_answered(session)
    with pytest.raises(Conflict):  # the statement waits for an answer; "not resolved" is that answer's "no"
        services.not_resolved(school1, escalation.id, "No", origin=NO_ORIGIN, now=now())
    with pytest.raises(InvalidInput) as refused:
        services.disagree_outcome(school1, escalation.id, " ", origin=NO_ORIGIN, now=now())
    assert set(refused.value.field_errors) == {"disagreement"}
    session.rollback()
    services.disagree_outcome(school1, escalation.id, "The chronology is not enough: the incidents need an "
                              "assessment this week", origin=NO_ORIGIN, now=now())
    session.commit()
    fire_due_timers()

    escalation = reload(session, escalation.id)
    first, second = escalation.stages
    assert (first.outcome, first.proposed_statement) == ("disagreed", STATEMENT)
    assert escalation.stage == 2 and escalation.status == "open" and escalation.outcome_statement is None
    assert (second.raiser_holder.username, second.responder_holder.username) == ("school_lead1", "tm1")
    assert stage_mail(session, 2) == {"school_lead1@example.org", "tm1@example.org"}
    notice = session.scalars(select(OutboxMessage).where(OutboxMessage.subject.like("Escalation at stage 2:%"))).first()
    assert "did not agree the outcome statement" in notice.body_text
    assert any(e.discussion.startswith("Outcome statement not agreed: The chronology") for e in escalation.entries)
    assert confirmation(session, escalation) is None  # stage 2 has no statement yet


def test_a_statement_not_confirmed_by_the_stage_deadline_moves_it_on(partnership_committed, clock):
    session = partnership_committed
    case, school1, escalation = raised_and_answered(session)
    clock.move_to(datetime(2026, 3, 4, 23, 0, tzinfo=timezone.utc))
    fire_due_timers()
    assert reload(session, escalation.id).stage == 1
    clock.move_to(datetime(2026, 3, 5, 0, 1, tzinfo=timezone.utc))
    fire_due_timers()
    escalation = reload(session, escalation.id)
    assert escalation.stage == 2 and escalation.stages[0].outcome == "not_confirmed"
    assert escalation.status == "open" and escalation.outcome_statement is None
    assert "was not confirmed by the stage's deadline" in session.scalars(select(OutboxMessage).where(
        OutboxMessage.subject.like("Escalation at stage 2:%"))).first().body_text
    with pytest.raises(Conflict):  # too late to confirm the stage-1 statement
        services.confirm_outcome(school1, escalation.id, origin=NO_ORIGIN, now=now())


def test_the_confirmation_step_is_in_the_diagram_for_stages_1_to_3_and_not_4():
    root = etree.parse(str(WORKFLOWS / "professional_resolution.bpmn")).getroot()
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    tasks = {t.get("id"): t.get("name") for t in root.iterfind(".//bpmn:userTask", ns)}
    assert tasks == {f"confirm_outcome_{n}": "Confirm the agreed outcome" for n in (1, 2, 3)}
    flows = {(f.get("sourceRef"), f.get("targetRef")) for f in root.iterfind(".//bpmn:sequenceFlow", ns)}
    for n, following in ((1, "start_stage_2"), (2, "start_stage_3"), (3, "start_stage_4")):
        assert {(f"stage_{n}_resolved", f"confirm_outcome_{n}"), (f"outcome_{n}_agreed", "resolved"),
                (f"outcome_{n}_agreed", following), (f"confirm_outcome_{n}_deadline", following)} <= flows
        assert (f"stage_{n}_resolved", "resolved") not in flows
    assert ("chair_decides", "decided") in flows  # the partnership's decision is final
