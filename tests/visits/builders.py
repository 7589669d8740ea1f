"""A case under a child in need plan, and a visit as its page posts it."""
from datetime import datetime, timezone

from sqlalchemy import select

from tests.cases.builders import complete, open_case, referral_answers, take_to_assessment_outcome
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.visits import services


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


def plan_answers(frequency: str = "weekly", agreed: str = "2026-03-02") -> dict:
    return {"plan_agreed_on": agreed, "needs_and_worries": "x", "outcomes": [{"outcome": "x"}], "contingency": "x",
            "actions": [{"action": "x", "owner": "x", "due_on": "2026-06-01"}], "visiting_frequency": frequency,
            "lead_practitioner": "x"}


def case_at_plan(session):
    """A case opened now (by the clock) and allocated to sw1, at its plan step."""
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers())
    take_to_assessment_outcome(case, sw1, tm1)
    complete(tm1, case, "assessment_outcome", {"outcome": "cin_plan", "outcome_reasons": "x"})
    return case


def planned_case(session, frequency: str = "weekly", agreed: str = "2026-03-02"):
    """A case whose child in need plan is agreed (the plan step completed by sw1)."""
    case = case_at_plan(session)
    complete(user(session, "sw1"), case, "cin_plan", plan_answers(frequency, agreed))
    return case


def visit_form(**fields) -> dict:
    """The visit page's fields: seen, alone, bedroom seen, on Thursday 5 March 2026."""
    return {"visited_on-day": "5", "visited_on-month": "3", "visited_on-year": "2026", "is_child_seen": "true",
            "is_seen_alone": "true", "is_bedroom_seen": "true", "note": "Ava showed me her room.", **fields}


def visit(worker, case, visited_on: str, *, seen: bool = True):
    """Record a visit through the real service."""
    answers = {"visited_on": visited_on, "is_child_seen": seen, "is_bedroom_seen": False, "note": "Home visit"}
    if seen:
        answers["is_seen_alone"] = False
    return services.record_visit(worker, case.id, answers, origin=NO_ORIGIN, now=datetime.now(timezone.utc))
