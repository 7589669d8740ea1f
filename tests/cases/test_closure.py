"""Closing a case checks its open work (workflows/section17.bpmn's count_open_work and the closing step): each
open action, unanswered information request, booked meeting and open escalation is finished, handed on or left
with a reason before the case closes; a withdrawn request's process ends and is never chased; a cancelled
meeting's invitees get the calendar CANCEL; nothing open means no extra step. Real diagrams, real database,
mail delivered by the worker's own pass to a real SMTP server."""
import html
import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

import pytest
from lxml import etree
from sqlalchemy import func, select

from tests.cases.builders import (
    MINUTES, complete, convene, issue_minutes, open_case, open_task, record_attendance, referral_answers,
    start_meeting_now, take_to_assessment_outcome, take_to_first_review,
)
from tests.helpers import csrf_token, deadline_pass, signed_in
from tests.workflows.test_diagram_layout import BPMN, WORKFLOWS
from webapp.agencies.models import Agency, AgencyKind
from webapp.audit.models import AuditEvent
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.cases.models import Case, StepRecord
from webapp.closure.closed import CLOSING_DECISIONS, closure_of
from webapp.closure.open_work import open_work
from webapp.config import MailSettings
from webapp.escalations import services as escalations
from webapp.escalations.models import Escalation
from webapp.information_requests import services as requests
from webapp.information_requests.models import InformationRequest
from webapp.mail.models import OutboxMessage
from webapp.meetings.models import Invitee, Meeting, MeetingKind
from webapp.minutes.models import CaseAction
from webapp.worker import run_pass
from webapp.workflow.models import OpenTask, WorkflowInstance, WorkflowTimer

SERVICE_URL = "https://cin.partnership.example"
CHILD = ("Ava", "Demochild")
CLOSE = {"progress": "Outcomes met", "review_decision": "close", "reason_for_closure": "RC7",
         "closure_summary": "Family engaging with universal services", "serious_incident": False}
REVIEW_ACTION = "Pass the sleep diary to the health visitor"


def user(session, username) -> User:
    return session.scalar(select(User).where(User.username == username))


def agency(session, kind) -> Agency:
    return session.scalar(select(Agency).where(Agency.kind == kind.value))


def now() -> datetime:
    return datetime.now(timezone.utc)


def open_steps(session, case) -> set[str]:
    return set(session.scalars(select(OpenTask.bpmn_id).where(OpenTask.subject_type == "cases",
                                                              OpenTask.subject_id == case.id)))


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.text)))


def hold_review_setting_an_action(worker, case) -> None:
    """The review meeting, its minutes setting one action for the health visitor."""
    meeting = convene(worker, case, "convene_meeting", now() + timedelta(hours=1))
    start_meeting_now(meeting)
    record_attendance(worker, case, meeting)
    issue_minutes(worker, case, {**MINUTES, "actions": [
        {"action": REVIEW_ACTION, "owner": "Demo Health Visitor", "due_on": "2026-04-30"}]})


def book_meeting(session, case, convenor, invitee: User) -> Meeting:
    """A meeting booked for next week that the case's process does not wait on: the diagrams hold every meeting
    they convene before a closing step can open, so a booking still open at closure is one like this."""
    starts = now() + timedelta(days=7)
    meeting = Meeting(case_id=case.id, kind=MeetingKind.CIN_REVIEW.value, uid=f"{uuid.uuid4()}@cin-workflow.local",
                      starts_at=starts, ends_at=starts + timedelta(hours=1), location="Family centre",
                      convened_by_id=convenor.id, invitations_sent_at=now())
    meeting.invitees.append(Invitee(name=invitee.full_name, email=invitee.email, kind="agency", user_id=invitee.id,
                                    agency_id=invitee.agency_id))
    session.add(meeting)
    session.flush()
    return meeting


def ask(session, case, kind, question="Anything known about the family?") -> InformationRequest:
    return requests.request_information(user(session, "sw1"), case.id, agency(session, kind).id, question,
                                        addressed_to_id=None, origin=NO_ORIGIN, now=now())


def challenge_request(session, request) -> Escalation:
    """The school challenges the information request it was sent (its own process, with its own stages)."""
    return escalations.raise_escalation(user(session, "school1"), escalations.Challenge(
        immediate_risk="no", about=f"request-{request.id}", category="threshold",
        description="The request asks for more than the school holds", risk_now="None known",
        outcome_sought="A narrower question"), origin=NO_ORIGIN, now=now())


def closing_page(client, case, bpmn_id="check_open_work_at_review"):
    task = open_task(case, bpmn_id)
    step_url = f"/cases/{case.id}/steps/{task.task_id}"
    moved = client.get(step_url)
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"{step_url}/open-work")
    return f"{step_url}/open-work", client.get(f"{step_url}/open-work")


def mail(session, case, kind=None, subject_like=None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.case_id == case.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if subject_like:
        query = query.where(OutboxMessage.subject.like(subject_like))
    return session.scalars(query.order_by(OutboxMessage.id)).all()


def delivered(smtp_server, clock) -> dict:
    """The worker's own pass to the loopback SMTP server: {address: [(subject, message)]}."""
    run_pass(MailSettings(host=smtp_server.host, port=smtp_server.port, sender="cin@partnership.example",
                          max_attempts=3, service_url=SERVICE_URL))
    received = {}
    for envelope in smtp_server.envelopes:
        message = message_from_bytes(envelope.content, policy=policy.default)
        for address in envelope.rcpt_tos:
            received.setdefault(address, []).append((message["Subject"], message))
    return received


def at_review_with_open_work(session):
    """A case at its first review with an action set by the review's minutes (and the plan's own), an
    unanswered request to the school, which challenges it, a meeting booked with the GP and a request to the
    police (kept open: the control for what a withdrawal stops)."""
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers())
    take_to_first_review(case, sw1, tm1, plan_agreed_on="2026-03-02")
    hold_review_setting_an_action(sw1, case)
    request = ask(session, case, AgencyKind.SCHOOL)
    escalation = challenge_request(session, request)
    meeting = book_meeting(session, case, sw1, user(session, "gp1"))
    kept = ask(session, case, AgencyKind.POLICE, "Any call-outs to the address?")
    session.commit()
    return case, request, escalation, meeting, kept


def test_closing_at_a_review_lists_the_open_work_refuses_missing_reasons_then_resolves_each(
        app, partnership_committed, clock, smtp_server):
    session = partnership_committed
    sw1 = user(session, "sw1")
    case, request, escalation, meeting, kept = at_review_with_open_work(session)
    reference = case.reference
    complete(sw1, case, "cin_review", CLOSE)
    session.commit()
    assert case.stage != "closed" and open_steps(session, case) == {"check_open_work_at_review"}
    assert open_task(case, "check_open_work_at_review").role == "social_worker"
    actions = open_work(case.id, now()).actions
    review_action = next(a for a in actions if a.action == REVIEW_ACTION)
    plan_actions = [a for a in actions if a is not review_action]  # the plan's own, where the plan tracks them

    client = signed_in(app, "sw1")
    url, page = closing_page(client, case)
    shown = text_of(page)
    assert page.status_code == 200
    for expected in (REVIEW_ACTION, "Owner: Demo Health Visitor", agency(session, AgencyKind.SCHOOL).name,
                     "Anything known about the family?", "Child in need review meeting", "Family centre",
                     escalation.about):
        assert expected in shown, expected
    for action in plan_actions:
        assert f'name="action-{action.id}"' in page.text

    # Reasons missing: refused field by field, what was typed kept, and nothing changed anywhere.
    token = csrf_token(page.text)
    shown_keys = re.search(r'name="shown" value="([^"]*)"', page.text).group(1)
    plan_done = {f"action-{a.id}": "done" for a in plan_actions}
    refused = client.post(url, data={
        "csrf_token": token, "shown": shown_keys, **plan_done,
        f"action-{review_action.id}": "handed_on", f"action-{review_action.id}-handed-to": " ",
        f"request-{request.id}": "kept_open", f"request-{kept.id}": "kept_open",
        f"request-{kept.id}-reason": "The police check informs the early help plan",
        f"meeting-{meeting.id}": "kept", f"meeting-{meeting.id}-reason": "The family asked to meet once more",
        f"escalation-{escalation.id}-reason": ""})
    assert refused.status_code == 400
    refusal = text_of(refused)
    for message in ("Enter who carries this action on", "Enter why this request stays open",
                    "Enter why the case closes with this escalation open"):
        assert message in refusal
    assert "Enter why this meeting is kept" not in refusal
    assert "The family asked to meet once more" in refusal  # what was typed is kept
    session.rollback()  # a fresh snapshot: the page's requests committed
    assert open_steps(session, case) == {"check_open_work_at_review"}
    assert session.get(Case, case.id).stage != "closed"
    assert all(session.get(CaseAction, a.id).done_at is None and session.get(CaseAction, a.id).disposition is None
               for a in actions)
    assert session.get(InformationRequest, request.id).withdrawn_at is None
    assert session.get(Meeting, meeting.id).status == "planned"
    assert mail(session, case, "meeting_cancel") == [] and mail(session, case, subject_like="%withdrawn%") == []

    # A valid answer: the action handed on, the request withdrawn, the meeting cancelled, the escalation kept.
    done = client.post(url, data={
        "csrf_token": token, "shown": shown_keys, **plan_done,
        f"action-{review_action.id}": "handed_on",
        f"action-{review_action.id}-handed-to": "Early help family worker, Harrogate team",
        f"request-{request.id}": "withdrawn", f"meeting-{meeting.id}": "cancelled",
        f"request-{kept.id}": "kept_open", f"request-{kept.id}-reason": "The police check informs the early help plan",
        f"escalation-{escalation.id}-reason": "The school's challenge is with the team manager"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/cases/{case.id}")
    session.rollback()  # a fresh snapshot: the page's requests committed
    case = session.get(Case, case.id)
    assert case.stage == "closed" and open_steps(session, case) == set()
    closed_page = client.get(done.headers["Location"]).text  # a record now: when it closed, no prompts for new work
    assert "Closed on " in closed_page and "no further work is planned" in closed_page
    assert "Request information from an agency" not in closed_page
    handed = session.get(CaseAction, review_action.id)
    assert (handed.disposition, handed.disposition_note) == ("handed_on", "Early help family worker, Harrogate team")
    assert handed.disposed_at is not None and handed.done_at is None
    assert all(session.get(CaseAction, a.id).done_at is not None for a in plan_actions)
    withdrawn = session.get(InformationRequest, request.id)
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawn_reason and withdrawn.answered_at is None
    assert session.get(WorkflowInstance, withdrawn.workflow_instance_id).is_completed
    assert session.get(Meeting, meeting.id).status == "cancelled"
    assert session.get(Escalation, escalation.id).status == "open"  # its own process decides it

    record = session.scalar(select(StepRecord).where(StepRecord.case_id == case.id,
                                                     StepRecord.bpmn_id == "check_open_work_at_review"))
    kept_open, kept = kept, record.answers
    assert {"action_id": review_action.id, "action": REVIEW_ACTION, "owner": "Demo Health Visitor",
            "choice": "handed_on", "note": "Early help family worker, Harrogate team"} in kept["actions"]
    assert [(r["request_id"], r["choice"], r.get("reason")) for r in kept["information_requests"]] == [
        (request.id, "withdrawn", None), (kept_open.id, "kept_open", "The police check informs the early help plan")]
    assert [(m["meeting_id"], m["choice"]) for m in kept["meetings"]] == [(meeting.id, "cancelled")]
    assert kept["escalations"] == [{"escalation_id": escalation.id, "about": escalation.about, "choice": "kept",
                                    "reason": "The school's challenge is with the team manager"}]
    audited = session.scalars(select(AuditEvent.detail).where(AuditEvent.subject_type == "cases",
                                                              AuditEvent.subject_id == case.id,
                                                              AuditEvent.action == "case.open_work_resolved")).all()
    assert sorted((d["kind"], d["id"], d["choice"]) for d in audited) == sorted(
        [("action", review_action.id, "handed_on"), ("information_request", request.id, "withdrawn"),
         ("information_request", kept_open.id, "kept_open"),
         ("meeting", meeting.id, "cancelled"), ("escalation", escalation.id, "kept"),
         *(("action", a.id, "done") for a in plan_actions)])
    history = text_of(client.get(f"/cases/{case.id}"))
    assert "Check the case's open work before closing" in history and "Handed on" in history

    # The agencies are told of the closure after the check; the school that was asked, and the GP invited.
    assert [m.subject for m in mail(session, case, subject_like="Child in need case closed%")]
    received = delivered(smtp_server, clock)
    school_mail = [(s, m) for address in received for s, m in received[address]
                   if s == f"Information request withdrawn: case {reference}"]
    assert "school1@example.org" in received and school_mail
    for subject, message in school_mail:
        text = message.get_body(("plain",)).get_content()
        assert f"Case reference: {reference}" in text and f"Sign in to the service: {SERVICE_URL}/" in text
        assert not any(part in subject or part in text for part in CHILD)
    calendars = [part for _, m in received["gp1@example.org"] for part in m.walk()
                 if part.get_content_type() == "text/calendar"]
    assert [part.get_param("method") for part in calendars] == ["CANCEL"]  # the GP's calendar is told
    assert "STATUS:CANCELLED" in calendars[0].get_content()

    # Long after the requests' due dates and escalation days, the withdrawn one is never chased; the one kept
    # open is, as before.
    clock.move_to(now() + timedelta(days=40))
    deadline_pass()
    session.rollback()  # a fresh snapshot: the page's requests committed
    assert session.get(InformationRequest, kept_open.id).chased_at is not None
    assert session.get(InformationRequest, request.id).chased_at is None
    assert session.get(InformationRequest, request.id).escalated_at is None
    assert {m.agency_id for m in mail(session, case, subject_like="Reminder: information request overdue%")} == {
        kept_open.agency_id}
    assert session.scalar(select(func.count()).select_from(WorkflowTimer).where(
        WorkflowTimer.instance_id == withdrawn.workflow_instance_id, WorkflowTimer.state == "waiting")) == 0
    # Read back as the school and the worker would: withdrawn, not "awaiting an answer" or "answered by".
    school_page = text_of(signed_in(app, "school_lead1").get(f"/requests/{request.id}"))
    assert "This request was withdrawn" in school_page and "answered" not in school_page.split("Status")[1]
    case_page = text_of(signed_in(app, "sw1").get(f"/cases/{case.id}"))  # 40 days on: a new session
    assert "Withdrawn" in case_page


def test_work_that_appears_after_the_page_was_shown_is_shown_before_the_case_closes(app, partnership, clock):
    session = partnership
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers())
    take_to_assessment_outcome(case, sw1, tm1)
    first = ask(session, case, AgencyKind.GP_PRACTICE)
    complete(tm1, case, "assessment_outcome", {"outcome": "no_further_action", "outcome_reasons": "x",
                                               "serious_incident": False})
    session.commit()
    assert open_steps(session, case) == {"check_open_work_after_assessment"}
    client = signed_in(app, "sw1")
    url, page = closing_page(client, case, "check_open_work_after_assessment")
    shown_keys = re.search(r'name="shown" value="([^"]*)"', page.text).group(1)
    assert shown_keys == f"request-{first.id}"
    later = ask(session, case, AgencyKind.POLICE, "Any call-outs to the address?")
    session.commit()
    again = client.post(url, data={"csrf_token": csrf_token(page.text), "shown": shown_keys,
                                   f"request-{first.id}": "kept_open",
                                   f"request-{first.id}-reason": "The GP's answer informs the early help plan",
                                   f"request-{later.id}": "withdrawn"})
    assert again.status_code == 400
    shown = text_of(again)
    assert "New since the page was shown: select what happens to this information request" in shown
    assert "Any call-outs to the address?" in shown and "The GP's answer informs the early help plan" in shown
    session.expire_all()
    assert open_steps(session, case) == {"check_open_work_after_assessment"}
    assert session.get(InformationRequest, later.id).withdrawn_at is None

    # Now both shown: the GP's request stays open (it can still be answered), the police's is withdrawn.
    done = client.post(url, data={"csrf_token": csrf_token(again.text),
                                  "shown": re.search(r'name="shown" value="([^"]*)"', again.text).group(1),
                                  f"request-{first.id}": "kept_open",
                                  f"request-{first.id}-reason": "The GP's answer informs the early help plan",
                                  f"request-{later.id}": "withdrawn"})
    assert done.status_code == 302
    session.expire_all()
    assert session.get(Case, case.id).stage == "closed"
    assert session.get(InformationRequest, first.id).withdrawn_at is None
    gp = signed_in(app, "gp1")
    answered = gp.post(f"/requests/{first.id}", data={
        "csrf_token": csrf_token(gp.get(f"/requests/{first.id}").text), "known_to_agency": "true",
        "what_you_know": "Registered since birth"})
    assert answered.status_code == 302
    session.expire_all()
    assert session.get(InformationRequest, first.id).answered_at is not None


def test_the_closing_step_is_the_allocated_workers_and_at_referral_the_team_managers(app, partnership, clock):
    session = partnership
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers())
    take_to_assessment_outcome(case, sw1, tm1)
    ask(session, case, AgencyKind.GP_PRACTICE)
    complete(tm1, case, "assessment_outcome", {"outcome": "no_further_action", "outcome_reasons": "x",
                                               "serious_incident": False})
    session.commit()
    url = f"/cases/{case.id}/steps/{open_task(case, 'check_open_work_after_assessment').task_id}/open-work"
    for username in ("sw2", "gp1"):  # another worker of the team; an agency practitioner
        other = signed_in(app, username)
        assert other.get(url).status_code in (403, 404)
        assert other.post(url, data={"csrf_token": csrf_token(other.get("/").text)}).status_code in (400, 403, 404)
    assert open_steps(session, case) == {"check_open_work_after_assessment"}

    # Closing at the referral decision, before anyone is allocated: the team manager checks.
    referred = open_case(sw1, referral_answers(given="Ben"))
    ask(session, referred, AgencyKind.SCHOOL)
    complete(tm1, referred, "referral_decision", {"decision": "no_further_action", "decision_reasons": "x",
                                                  "referrer_acknowledged": False})
    session.commit()
    assert open_steps(session, referred) == {"check_open_work_at_referral"}
    assert open_task(referred, "check_open_work_at_referral").role == "team_manager"
    _, page = closing_page(signed_in(app, "tm1"), referred, "check_open_work_at_referral")
    assert page.status_code == 200 and "Unanswered information requests" in page.text


def test_a_case_closing_with_nothing_open_closes_without_the_step(partnership, clock):
    session = partnership
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers())
    take_to_assessment_outcome(case, sw1, tm1)
    complete(tm1, case, "assessment_outcome", {"outcome": "no_further_action", "outcome_reasons": "x",
                                               "serious_incident": False})
    session.commit()
    assert case.stage == "closed" and open_steps(session, case) == set()
    assert session.scalar(select(func.count()).select_from(StepRecord).where(
        StepRecord.case_id == case.id, StepRecord.form_key == "open_work_check")) == 0
    closure, = closure_of(case.id)  # the top of the case page: the outcome that closed it, as its form words it
    assert (closure.stage_label, closure.decision, closure.reasons) == ("Closed", "No further action", "x")
    assert closure.record.bpmn_id == "assessment_outcome"


@pytest.mark.parametrize("bpmn_id", ["check_open_work_at_referral", "check_open_work_after_assessment",
                                     "check_open_work_at_review"])
def test_every_closing_path_checks_the_open_work_before_it_closes(bpmn_id):
    """What a process owner reads in the diagram: count, then the step when anything is open, then the close
    (at a review, the agencies are told after the check)."""
    root = etree.parse(str(WORKFLOWS / "section17.bpmn")).getroot()
    flows = {(el.get("sourceRef"), el.get("targetRef")) for el in root.iter(f"{{{BPMN}}}sequenceFlow")}
    where = bpmn_id.removeprefix("check_open_work_")
    close = {"at_referral": "close_at_referral", "after_assessment": "close_after_assessment",
             "at_review": "notify_agencies_closure"}[where]
    assert {(f"count_open_work_{where}", f"open_work_{where}_route"), (f"open_work_{where}_route", bpmn_id),
            (f"open_work_{where}_route", close), (bpmn_id, close)} <= flows
    assert ("notify_agencies_closure", "close_case") in flows


def test_each_closing_decision_names_fields_its_form_has():
    """The case page reads the decision and its reasons by field name: a renamed field fails here, not there."""
    for form_key, fields in CLOSING_DECISIONS.items():
        schema = json.loads((WORKFLOWS / "forms" / f"{form_key}.json").read_text())
        assert set(fields) <= set(schema["properties"]), form_key
        assert schema["properties"][fields[0]]["oneOf"], form_key
