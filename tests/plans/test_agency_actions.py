"""Actions an agency owns: the plan page offers the agencies on the case's register as owners; each practitioner
of the owning agency finds the action on their home page (the action and the case reference, never the child),
asks to mark it done, confirms on a page of its own, and the change is audited; the service refuses another
agency, a senior manager who sees the case, and an action already done."""
import html
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.cases.builders import complete, open_case, open_task, referral_answers, take_to_assessment_outcome
from tests.factories import PASSWORD, Factory
from tests.helpers import csrf_token, post_form, signed_in
from webapp.agencies.models import Agency, AgencyKind
from webapp.audit.models import AuditEvent
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from webapp.minutes.models import CaseAction
from webapp.plans import services

GP_ACTION, SCHOOL_ACTION = "Book Ava's sleep review at the surgery", "Tell the social worker about attendance"


def text_of(page) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


def due(field: str, day: str) -> dict:
    return {f"{field}-day": day, f"{field}-month": "3", f"{field}-year": "2026"}


def at_plan(session):
    """A case with the GP practice and the school on its register, at its plan step."""
    agencies = {a.kind: a for a in session.scalars(select(Agency))}
    gp, school = agencies[AgencyKind.GP_PRACTICE.value], agencies[AgencyKind.SCHOOL.value]
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers(gp_id=gp.id, agencies_involved=[school.id]))
    take_to_assessment_outcome(case, sw1, tm1)
    complete(tm1, case, "assessment_outcome", {"outcome": "cin_plan", "outcome_reasons": "x"})
    return case, gp, school


@pytest.fixture
def planned(app, partnership, clock):
    """A case with the GP practice and the school on its register, whose plan (written on its page by sw1) gives
    one action to the GP practice, one to the school and one to the mother; gp2 joined the practice since."""
    session = partnership
    case, gp, school = at_plan(session)
    Factory(session).user(Role.AGENCY_PRACTITIONER, username="gp2", full_name="Demo Locum GP", agency=gp)
    session.commit()
    step_url = f"/cases/{case.id}/steps/{open_task(case, 'cin_plan').task_id}"
    worker = signed_in(app, "sw1")
    page = text_of(worker.get(step_url))
    assert "Their agency, if an agency will do it" in page
    written = post_form(worker, step_url, {
        **due("plan_agreed_on", "4"), "needs_and_worries": "Late nights", "outcomes-0-outcome": "Ava sleeps by 8pm",
        "actions-0-action": GP_ACTION, "actions-0-owner": "Any GP at the practice",
        "actions-0-owner_agency": str(gp.id), **due("actions-0-due_on", "13"),
        "actions-1-action": SCHOOL_ACTION, "actions-1-owner": "The school",
        "actions-1-owner_agency": str(school.id), **due("actions-1-due_on", "20"),
        "actions-2-action": "Keep a sleep diary", "actions-2-owner": "Mother", **due("actions-2-due_on", "20"),
        "contingency": "Strategy discussion", "visiting_frequency": "weekly", "lead_practitioner": "Demo Social Worker"})
    assert written.status_code == 302
    session.expire_all()
    actions = {a.action: a for a in session.scalars(select(CaseAction).where(CaseAction.case_id == case.id))}
    assert (actions[GP_ACTION].owner_agency_id, actions[GP_ACTION].owner_id) == (gp.id, None)
    assert actions[SCHOOL_ACTION].owner_agency_id == school.id and actions["Keep a sleep diary"].owner_agency_id is None
    return case, actions


def test_every_practitioner_of_the_owning_agency_marks_it_done_from_home_after_confirming(app, partnership, planned):
    case, actions = planned
    action = actions[GP_ACTION]
    locum = signed_in(app, "gp2", PASSWORD)  # named nowhere in the plan: the practice owns the action
    home = locum.get("/")
    mine = text_of(home)
    assert "Actions I own" in mine and GP_ACTION in mine and case.reference in mine
    assert "For Harrogate Demo Medical Practice: Any GP at the practice" in mine
    assert SCHOOL_ACTION not in mine and "Keep a sleep diary" not in mine and "Demochild" not in mine
    confirm_url = f"/cases/{case.id}/actions/{action.id}/mark-done"
    assert f'href="{confirm_url}"' in home.text

    confirm = locum.get(confirm_url)
    asked = text_of(confirm)
    assert confirm.status_code == 200 and "Mark this action as done?" in asked
    for expected in (GP_ACTION, "Any GP at the practice (Harrogate Demo Medical Practice)", "13 March 2026",
                     case.reference, "Yes, mark it as done", "No, go back"):
        assert expected in asked, expected
    assert "Demochild" not in asked
    partnership.expire_all()
    assert partnership.get(CaseAction, action.id).done_at is None  # asking changes nothing
    assert locum.post(confirm_url).status_code == 400  # no CSRF token: refused
    marked = locum.post(confirm_url, data={"csrf_token": csrf_token(confirm.text)})
    assert marked.status_code == 302 and marked.headers["Location"].endswith("/#actions-i-own")
    partnership.expire_all()
    done = partnership.get(CaseAction, action.id)
    assert done.done_by_id == user(partnership, "gp2").id and done.done_at is not None
    audit, = partnership.scalars(select(AuditEvent).where(AuditEvent.action == "case.action_done")).all()
    assert (audit.actor_id, audit.subject_type, audit.subject_id) == (done.done_by_id, "cases", case.id)
    assert audit.detail == {"action_id": action.id, "by_owner": False, "for_agency": True}
    after = text_of(locum.get("/"))
    assert f"Action marked as done: {GP_ACTION}" in after and GP_ACTION not in after.split("Action marked")[0]
    assert "Actions I own" not in after
    assert locum.get(confirm_url).status_code == 409  # done already
    # The practice's other GP no longer has it either; the case page shows who did it.
    assert GP_ACTION not in text_of(signed_in(app, "gp1").get("/"))
    assert "Agency: Harrogate Demo Medical Practice" in text_of(signed_in(app, "sw1").get(f"/cases/{case.id}"))


def test_another_agency_cannot_see_or_mark_the_action_and_a_senior_manager_is_refused(app, partnership, planned):
    case, actions = planned
    confirm_url = f"/cases/{case.id}/actions/{actions[GP_ACTION].id}/mark-done"
    for stranger, password in (("hv1", None), ("school1", None), ("police1", None)):
        other = signed_in(app, stranger, password)
        assert GP_ACTION not in text_of(other.get("/"))
        assert other.get(confirm_url).status_code == 404
        assert other.post(confirm_url, data={"csrf_token": csrf_token(other.get("/").text)}).status_code == 404
    senior = signed_in(app, "sm1")
    assert senior.get(confirm_url).status_code == 403
    school = text_of(signed_in(app, "school1").get("/"))  # the school's own action is on its home page
    assert SCHOOL_ACTION in school and "For Demo Primary School: The school" in school
    partnership.expire_all()
    assert partnership.get(CaseAction, actions[GP_ACTION].id).done_at is None
    with pytest.raises(NotFound):
        services.mark_action_done(user(partnership, "hv1"), case.id, actions[GP_ACTION].id, origin=NO_ORIGIN,
                                  now=datetime.now(timezone.utc))
    with pytest.raises(NotFound):  # the right action, the wrong case
        services.action_to_mark(user(partnership, "gp1"), case.id + 1, actions[GP_ACTION].id)
    with pytest.raises(PermissionDenied):
        services.mark_action_done(user(partnership, "sm1"), case.id, actions[GP_ACTION].id, origin=NO_ORIGIN,
                                  now=datetime.now(timezone.utc))


def test_the_case_s_worker_marks_any_action_done_and_only_once(partnership, planned):
    case, actions = planned
    sw1 = user(partnership, "sw1")
    services.mark_action_done(sw1, case.id, actions["Keep a sleep diary"].id, origin=NO_ORIGIN,
                              now=datetime.now(timezone.utc))
    services.mark_action_done(sw1, case.id, actions[SCHOOL_ACTION].id, origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    with pytest.raises(Conflict):
        services.action_to_mark(user(partnership, "school1"), case.id, actions[SCHOOL_ACTION].id)
    details = [e.detail for e in partnership.scalars(select(AuditEvent).where(AuditEvent.action == "case.action_done"))]
    assert [d["for_agency"] for d in details] == [False, False]
    assert [a.action for a in services.actions_to_do(user(partnership, "gp1"))] == [GP_ACTION]
    assert services.actions_to_do(user(partnership, "school1")) == []


def test_an_agency_off_the_register_cannot_own_an_action(app, partnership, clock):
    case, _, _ = at_plan(partnership)
    hv = partnership.scalar(select(Agency).where(Agency.kind == AgencyKind.HEALTH_VISITING.value))
    with pytest.raises(InvalidInput) as refused:
        complete(user(partnership, "sw1"), case, "cin_plan", {
            "plan_agreed_on": "2026-03-04", "needs_and_worries": "x", "outcomes": [{"outcome": "x"}],
            "contingency": "x", "visiting_frequency": "weekly", "lead_practitioner": "x",
            "actions": [{"action": "x", "owner": "HV", "owner_agency": hv.id, "due_on": "2026-04-01"}]})
    assert refused.value.field_errors == {"actions-0-owner_agency": "Select the agency from the list"}
