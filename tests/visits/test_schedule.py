"""When the next visit is due: the current plan's visiting frequency counted from the last visit the child was seen
on (from the plan's start before one); a plan amended at a review, or corrected, changes it. The date the child
was last seen (Annex A) is the latest visit seeing the child. Overdue visits are rows of the team dashboard."""
import html
import importlib.util
import json
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import delete, select

from tests.cases.builders import complete, hold_meeting
from tests.helpers import signed_in
from tests.visits.builders import case_at_plan, plan_answers, planned_case, user, visit
from webapp.audit.services import NO_ORIGIN
from webapp.cases.access import visible_cases_filter
from webapp.cases.models import StepRecord
from webapp.cases.steps import correct_step
from webapp.extensions import db
from webapp.visits import services
from webapp.visits.models import VisitSchedule

ROOT = Path(__file__).resolve().parents[2]
PLAN_FORM = ROOT / "workflows" / "forms" / "cin_plan.json"
MIGRATION = next((ROOT / "migrations" / "versions").glob("*_e7a4c2d9f5b3_*.py"))
OVERDUE = "Statutory visits overdue"


def schedule(session, case) -> VisitSchedule | None:
    session.expire_all()
    return session.get(VisitSchedule, case.id)


def due(session, case) -> str:
    return schedule(session, case).due_on.isoformat()


def test_every_frequency_the_plan_offers_is_counted_in_days():
    offered = {o["const"]: o["title"] for o in
               json.loads(PLAN_FORM.read_text())["properties"]["visiting_frequency"]["oneOf"]}
    assert services.FREQUENCY_LABELS == offered
    assert services.FREQUENCY_DAYS == {"weekly": 7, "fortnightly": 14, "every_four_weeks": 28}


@pytest.mark.parametrize("frequency, first_due", [
    ("weekly", "2026-03-09"), ("fortnightly", "2026-03-16"), ("every_four_weeks", "2026-03-30")])
def test_the_first_visit_is_due_from_the_plans_start(partnership, clock, frequency, first_due):
    case = case_at_plan(partnership)
    assert schedule(partnership, case) is None  # no plan yet: nothing is due
    complete(user(partnership, "sw1"), case, "cin_plan", plan_answers(frequency, agreed="2026-03-02"))
    found = schedule(partnership, case)
    assert (found.frequency, found.plan_started_on.isoformat(), found.last_seen_on, found.due_on.isoformat()) == (
        frequency, "2026-03-02", None, first_due)


def test_each_visit_seeing_the_child_counts_the_next_from_it(partnership, clock):
    session, case = partnership, planned_case(partnership)
    sw1 = user(session, "sw1")
    clock.shift(timedelta(days=4))  # Friday 6 March
    visit(sw1, case, "2026-03-06", seen=False)
    assert due(session, case) == "2026-03-09"  # not seen: the visit does not meet the plan
    visit(sw1, case, "2026-03-05")
    assert due(session, case) == "2026-03-12"
    visit(sw1, case, "2026-03-03")  # recorded late: the latest time the child was seen still counts
    assert due(session, case) == "2026-03-12"
    assert services.last_seen_on(case.id) == date(2026, 3, 5)


def test_a_child_seen_before_the_plan_started_is_counted_from_the_plans_start(partnership, clock):
    session = partnership
    case = case_at_plan(session)
    visit(user(session, "sw1"), case, "2026-03-02")  # seen during the assessment
    clock.shift(timedelta(days=2))
    complete(user(session, "sw1"), case, "cin_plan", plan_answers("fortnightly", agreed="2026-03-04"))
    found = schedule(session, case)
    assert (found.last_seen_on.isoformat(), found.due_on.isoformat()) == ("2026-03-02", "2026-03-18")


def test_a_plan_amended_at_a_review_or_corrected_changes_the_due_date(partnership, clock):
    session, case = partnership, planned_case(partnership, "every_four_weeks")
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    visit(sw1, case, "2026-03-02")
    assert due(session, case) == "2026-03-30"
    hold_meeting(sw1, case)  # the initial child in need meeting
    hold_meeting(sw1, case)  # the first review, which amends the plan
    complete(sw1, case, "cin_review", {"progress": "x", "review_decision": "amend_plan"})
    amended = complete(sw1, case, "cin_plan", plan_answers("weekly", agreed="2026-03-02"))
    assert (schedule(session, case).frequency, due(session, case)) == ("weekly", "2026-03-09")
    correct_step(tm1, case.id, amended.id, plan_answers("fortnightly", agreed="2026-03-02"), "Every two weeks agreed",
                 origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    assert (schedule(session, case).frequency, due(session, case)) == ("fortnightly", "2026-03-16")
    first = session.scalars(select(StepRecord).where(StepRecord.case_id == case.id, StepRecord.form_key == "cin_plan")
                            .order_by(StepRecord.id)).first()
    correct_step(tm1, case.id, first.id, plan_answers("weekly", agreed="2026-03-02"), "The older plan",
                 origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    assert due(session, case) == "2026-03-16"  # a correction of an older plan is not what the case works to now


def test_the_date_the_child_was_last_seen_for_many_cases_at_once(partnership, clock):
    session = partnership
    sw1 = user(session, "sw1")
    seen, never = planned_case(session), planned_case(session)
    visit(sw1, seen, "2026-03-02")
    visit(sw1, never, "2026-03-02", seen=False)
    assert services.last_seen_dates([seen.id, never.id]) == {seen.id: date(2026, 3, 2)}
    assert services.last_seen_on(never.id) is None


def dashboard_rows(app, username="tm1") -> str:
    page = signed_in(app, username).get("/dashboard")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))
    return text[text.index(OVERDUE):]


def test_an_overdue_visit_is_a_row_of_the_team_dashboard_until_the_child_is_seen(app, partnership, clock):
    session = partnership
    sw1 = user(session, "sw1")
    late, in_time = planned_case(session), planned_case(session, "fortnightly")
    visit(sw1, late, "2026-03-02")
    session.commit()
    clock.shift(timedelta(days=7))  # Monday 9 March: due today, not yet overdue
    assert "No statutory visit is overdue." in dashboard_rows(app)
    clock.shift(timedelta(days=1))
    rows = dashboard_rows(app)
    assert f"{late.reference} 2 March 2026 9 March 2026 Demo Social Worker One" in rows
    assert in_time.reference not in rows
    assert late.reference in dashboard_rows(app, "sm1")  # a senior manager sees every team
    assert services.overdue_visits(visible_cases_filter(user(session, "gp1")), date(2026, 3, 10)) == []  # no case seen
    visit(sw1, late, "2026-03-10")
    session.commit()
    assert "No statutory visit is overdue." in dashboard_rows(app)


def test_the_migration_schedules_the_plans_already_written(partnership, clock):
    session = partnership
    case = planned_case(session, "fortnightly", agreed="2026-01-05")
    session.execute(delete(VisitSchedule))  # as it was before visits were recorded
    spec = importlib.util.spec_from_file_location("visits_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with Operations.context(MigrationContext.configure(connection=db.session.connection())):
        migration._schedule_existing_plans()
    found = schedule(session, case)
    # Overdue since 19 January: on the dashboard, but no e-mail for each such case the moment it is upgraded.
    assert (found.frequency, found.plan_started_on, found.due_on, found.alerted_for_on) == (
        "fortnightly", date(2026, 1, 5), date(2026, 1, 19), date(2026, 1, 19))
