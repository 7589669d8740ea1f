"""The CIN plan's actions are tracked like the actions minutes set: written on the real plan page with an owner's
account (a GP practitioner on the case's register), listed on the case page with where they were set and on the
owner's home page (action and case reference, nothing else of the case), marked done by the owner and by nobody
unrelated; an amended or corrected plan replaces the open ones and keeps the done ones; existing plans are
backfilled by the migration."""
import html
import importlib.util
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import delete, func, select

from tests.cases.builders import complete, hold_meeting, open_case, open_task, referral_answers, \
    take_to_assessment_outcome
from tests.factories import PASSWORD, Factory
from tests.helpers import csrf_token, post_form, sign_in, signed_in
from tests.minutes.builders import user
from webapp.agencies.models import Agency, AgencyKind
from webapp.audit.models import AuditEvent
from webapp.audit.services import NO_ORIGIN
from webapp.auth.roles import Role
from webapp.cases.choices import choice_provider
from webapp.cases.models import StepRecord
from webapp.cases.steps import correct_step
from webapp.demo import DEMO_PASSWORD
from webapp.errors import InvalidInput, NotFound, PermissionDenied
from webapp.extensions import db
from webapp.minutes import services
from webapp.minutes.models import CaseAction
from webapp.workflow.forms import form_validator, validate_submission

MIGRATION = next((Path(__file__).resolve().parents[2] / "migrations" / "versions").glob("*_5459c272e498_*.py"))
FORM = Path(__file__).resolve().parents[2] / "workflows" / "forms" / "cin_plan.json"


def plan_form(gp_id: int, **extra) -> dict:
    """The plan page's fields: one action owned by the GP's account, one by the mother (no account)."""
    return {"plan_agreed_on-day": "4", "plan_agreed_on-month": "3", "plan_agreed_on-year": "2026",
            "needs_and_worries": "Late nights", "outcomes-0-outcome": "Ava sleeps by 8pm",
            "actions-0-action": "Review Ava's sleep at the surgery", "actions-0-owner": "Demo GP",
            "actions-0-owner_account": str(gp_id),
            "actions-0-due_on-day": "13", "actions-0-due_on-month": "3", "actions-0-due_on-year": "2026",
            "actions-1-action": "Keep a sleep diary", "actions-1-owner": "Mother",
            "actions-1-due_on-day": "20", "actions-1-due_on-month": "3", "actions-1-due_on-year": "2026",
            "contingency": "Strategy discussion", "visiting_frequency": "weekly",
            "lead_practitioner": "Demo Social Worker", **extra}


def plan_answers(*actions, agreed="2026-03-04") -> dict:
    return {"plan_agreed_on": agreed, "needs_and_worries": "x", "outcomes": [{"outcome": "x"}], "contingency": "x",
            "actions": list(actions), "visiting_frequency": "weekly", "lead_practitioner": "x"}


def text_of_html(markup: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def text_of(page) -> str:
    return text_of_html(page.text)


def tracked(session, case) -> list[CaseAction]:
    session.expire_all()
    return list(session.scalars(select(CaseAction).where(CaseAction.case_id == case.id).order_by(CaseAction.id)))


@pytest.fixture
def at_plan(partnership, clock):
    """A case with the GP practice on its register, at the plan step."""
    session = partnership
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    gp = session.scalar(select(Agency).where(Agency.kind == AgencyKind.GP_PRACTICE.value))
    case = open_case(sw1, referral_answers(gp_id=gp.id))
    take_to_assessment_outcome(case, sw1, tm1)
    complete(tm1, case, "assessment_outcome", {"outcome": "cin_plan", "outcome_reasons": "x"})
    session.commit()
    return case


def test_the_owner_choices_are_the_team_and_the_practitioners_of_the_agencies_on_the_register(partnership, at_plan):
    case, session = at_plan, partnership
    gp1, hv1, sw1, tm1 = (user(session, name) for name in ("gp1", "hv1", "sw1", "tm1"))
    offered = dict(choice_provider(case.team_id, case.id)("case_action_owners"))
    assert {str(gp1.id), str(sw1.id), str(tm1.id)} <= set(offered) and str(hv1.id) not in offered
    assert offered[str(gp1.id)] == f"Demo GP ({gp1.agency.name})"
    assert str(gp1.id) not in dict(choice_provider(case.team_id)("case_action_owners"))  # no case: the team only
    with pytest.raises(InvalidInput) as refused:  # health visiting is not on this case's register
        complete(sw1, case, "cin_plan", plan_answers({"action": "x", "owner": "HV", "owner_account": hv1.id,
                                                      "due_on": "2026-04-01"}))
    assert set(refused.value.field_errors) == {"actions-0-owner_account"}


def test_a_plan_written_on_its_page_tracks_its_actions_and_the_gp_marks_theirs_done(app, partnership, at_plan,
                                                                                    client, clock):
    case, session = at_plan, partnership
    gp1 = user(session, "gp1")
    step_url = f"/cases/{case.id}/steps/{open_task(case, 'cin_plan').task_id}"
    sign_in(client, "sw1", DEMO_PASSWORD)
    assert "Their account, if they use this service" in text_of(client.get(step_url))
    assert post_form(client, step_url, plan_form(gp1.id)).status_code == 302

    plan = session.scalar(select(StepRecord).where(StepRecord.case_id == case.id, StepRecord.form_key == "cin_plan"))
    rows = tracked(session, case)
    assert [(a.action, a.owner, a.owner_id, a.due_on.isoformat(), a.step_record_id, a.minutes_version_id)
            for a in rows] == [
        ("Review Ava's sleep at the surgery", "Demo GP", gp1.id, "2026-03-13", plan.id, None),
        ("Keep a sleep diary", "Mother", None, "2026-03-20", plan.id, None)]
    on_case = client.get(f"/cases/{case.id}").text
    actions_section = text_of_html(on_case[on_case.index('id="actions"'):on_case.index("</table>", on_case.index(
        'id="actions"'))])
    for expected in ("Review Ava's sleep at the surgery", "Account: Demo GP", "13 March 2026",
                     "CIN plan, agreed 4 March 2026", "Keep a sleep diary"):
        assert expected in actions_section, expected

    clock.shift(timedelta(days=12))  # Saturday 14 March: the GP's action is overdue
    gp = signed_in(app, "gp1")
    assert gp.get(f"/cases/{case.id}").status_code == 404  # the owner does not see the case
    home = gp.get("/")
    mine = text_of(home)
    assert "Actions I own" in mine and "Review Ava's sleep at the surgery" in mine and case.reference in mine
    assert "13 March 2026 Overdue" in mine
    assert "Keep a sleep diary" not in mine and "Demochild" not in mine  # only their own action, no child's name
    gp_action = rows[0]
    done_url = f"/cases/{case.id}/actions/{gp_action.id}/done"

    Factory(session).user(Role.AGENCY_PRACTITIONER, username="gp2", agency=gp1.agency)
    session.commit()
    for stranger, password in (("gp2", PASSWORD), ("hv1", DEMO_PASSWORD)):  # the GP's colleague, another agency
        other = signed_in(app, stranger, password)
        assert other.post(done_url, data={"csrf_token": csrf_token(other.get("/").text)}).status_code == 404
    senior = signed_in(app, "sm1")  # sees the case, but marks no one else's action
    assert senior.post(done_url, data={"csrf_token": csrf_token(senior.get(f"/cases/{case.id}").text)}
                       ).status_code == 403
    assert gp.post(done_url, data={"back_to": "home"}).status_code == 400  # no CSRF token: refused
    assert tracked(session, case)[0].done_at is None

    marked = gp.post(done_url, data={"csrf_token": csrf_token(home.text), "back_to": "home"})
    assert marked.status_code == 302 and marked.headers["Location"].endswith("/#actions-i-own")
    done = tracked(session, case)[0]
    assert done.done_by_id == gp1.id and done.done_at is not None
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.action_done")).all()
    assert [(e.actor_id, e.subject_id, e.detail) for e in audit] == [
        (gp1.id, case.id, {"action_id": done.id, "by_owner": True})]
    assert "Action marked as done: Review Ava's sleep at the surgery" in text_of(gp.get("/"))
    assert "Actions I own" not in text_of(gp.get("/"))
    assert "Done" in text_of(signed_in(app, "sw1").get(f"/cases/{case.id}"))


def test_the_case_worker_marks_a_plan_action_done_and_others_cannot(partnership, at_plan):
    case, session = at_plan, partnership
    sw1, sm1 = user(session, "sw1"), user(session, "sm1")
    complete(sw1, case, "cin_plan", plan_answers({"action": "Keep a sleep diary", "owner": "Mother",
                                                  "due_on": "2026-03-20"}))
    action, = tracked(session, case)
    with pytest.raises(NotFound):
        services.mark_done(user(session, "gp1"), case.id, action.id, origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    with pytest.raises(PermissionDenied):
        services.mark_done(sm1, case.id, action.id, origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    services.mark_done(sw1, case.id, action.id, origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    assert tracked(session, case)[0].done_by_id == sw1.id


def test_an_amended_plan_replaces_the_open_actions_and_keeps_the_done_ones(partnership, at_plan, clock):
    case, session = at_plan, partnership
    sw1, tm1, gp1 = user(session, "sw1"), user(session, "tm1"), user(session, "gp1")
    first = complete(sw1, case, "cin_plan", plan_answers(
        {"action": "Book a GP review", "owner": "Demo GP", "owner_account": gp1.id, "due_on": "2026-03-13"},
        {"action": "Keep a sleep diary", "owner": "Mother", "due_on": "2026-03-20"}))
    booked = tracked(session, case)[0]
    services.mark_done(gp1, case.id, booked.id, origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    hold_meeting(sw1, case)  # the initial child in need meeting
    hold_meeting(sw1, case)  # the first review
    complete(sw1, case, "cin_review", {"progress": "x", "review_decision": "amend_plan"})
    clock.shift(timedelta(days=1))
    amended = complete(sw1, case, "cin_plan", plan_answers(
        {"action": "Book a GP review", "owner": "Demo GP", "owner_account": gp1.id, "due_on": "2026-03-13"},
        {"action": "Keep a sleep diary for two more weeks", "owner": "Mother", "due_on": "2026-04-03"},
        agreed="2026-03-03"))
    now_current = {(a.action, a.step_record_id, a.done_at is not None) for a in services.case_actions(case.id)}
    assert now_current == {("Book a GP review", first.id, True),  # done stays done, and is not set again
                           ("Keep a sleep diary for two more weeks", amended.id, False)}
    diary, = [a for a in tracked(session, case) if a.action == "Keep a sleep diary"]
    assert diary.replaced_at is not None and diary.done_at is None
    assert [a.action for a in services.open_actions(case.id, set_by="plan")] == [
        "Keep a sleep diary for two more weeks"]
    assert services.open_actions(case.id, set_by="minutes") == []
    assert services.actions_owned_by(gp1) == []

    # Correcting the older plan changes nothing; correcting the current one tracks its actions anew.
    correct_step(sw1, case.id, first.id, {**first.answers, "contingency": "y"}, "Typo", origin=NO_ORIGIN,
                 now=datetime.now(timezone.utc))
    assert {a.action for a in services.open_actions(case.id, set_by=None)} == {"Keep a sleep diary for two more weeks"}
    correct_step(tm1, case.id, amended.id, plan_answers(
        {"action": "Book a GP review", "owner": "Demo GP", "owner_account": gp1.id, "due_on": "2026-03-13"},
        {"action": "Keep a sleep diary for three more weeks", "owner": "Mother", "owner_account": sw1.id,
         "due_on": "2026-04-10"}, agreed="2026-03-03"), "Three weeks, not two", origin=NO_ORIGIN,
        now=datetime.now(timezone.utc))
    open_now, = services.open_actions(case.id, set_by=None)
    assert (open_now.action, open_now.owner_id, open_now.step_record_id) == (
        "Keep a sleep diary for three more weeks", sw1.id, amended.id)
    assert services.where_set(open_now) == "CIN plan, agreed 3 March 2026"
    assert [a.action for a in services.actions_owned_by(sw1)] == ["Keep a sleep diary for three more weeks"]


def test_plans_without_accounts_still_validate_and_a_plan_has_at_most_100_actions():
    validator = form_validator(json.loads(FORM.read_text()))
    old = plan_answers({"action": "x", "owner": "x", "due_on": "2026-04-01"})
    assert validate_submission(validator, old) == old
    with pytest.raises(InvalidInput) as refused:
        validate_submission(validator, {**old, "actions": old["actions"] * 101})
    assert refused.value.field_errors == {"actions": "A plan has between 1 and 100 actions"}


def _run_migration(step: str) -> None:
    spec = importlib.util.spec_from_file_location("plan_actions_backfill", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with Operations.context(MigrationContext.configure(connection=db.session.connection())):
        getattr(migration, step)()


def test_the_migration_backfills_the_current_plan_of_each_open_case(partnership, at_plan):
    case, session = at_plan, partnership
    sw1, gp1 = user(session, "sw1"), user(session, "gp1")
    plan = complete(sw1, case, "cin_plan", plan_answers({"action": "Keep a sleep diary", "owner": "Mother",
                                                         "due_on": "2026-03-20"}))
    correct_step(sw1, case.id, plan.id, plan_answers(
        {"action": "Keep a sleep diary", "owner": "Mother", "due_on": "2026-03-27"},
        {"action": "Book a GP review", "owner": "Demo GP", "owner_account": gp1.id, "due_on": "2026-03-13"}),
        "Dates agreed again", origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    session.execute(delete(CaseAction))  # as it was before plan actions were tracked
    session.flush()

    _run_migration("upgrade")
    _run_migration("upgrade")  # a case already tracking its plan's actions is left alone
    assert sorted((a.action, a.owner_id, a.due_on.isoformat(), a.step_record_id) for a in tracked(session, case)) == [
        ("Book a GP review", gp1.id, "2026-03-13", plan.id), ("Keep a sleep diary", None, "2026-03-27", plan.id)]

    _run_migration("downgrade")
    assert session.scalar(select(func.count(CaseAction.id))) == 0
