"""Section 17 over HTTP, and the list pages with 20,000 cases.

1. A step over HTTP (the Flask test client posting the CIN review decision: CSRF, session, form parsing, access
   checks, the runtime step, the step record, audit and derived rows, commit on a file-backed SQLite) against
   SpiffWorkflow's own load → complete → engine steps → save cycle on section17.bpmn, both looping on the CIN
   review ("continue", which starts the next review meeting's process). The review meeting between two
   decisions is held through the services and not timed. Target: ratio ≤ 5.
2. The server time of "Cases" (first page, a name search, a stage filter, "allocated to me", sorted by child's
   name, by stage and by next deadline), "My tasks" (sorted by due date, by step, only the overdue) and the home
   page (its work queue and the navigation's count) with 20,000 cases in the database; and "Users" (first page, a
   name search, a role and status filter, a team filter) with 3,000 accounts. Target: < 100 ms each.

    .venv/bin/python bench/section17_pages.py [--steps 30] [--cases 20000] [--users 3000]
With DATABASE_URL it runs on PostgreSQL (a database whose name contains 'test': it is emptied).
"""
from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from runtime_step import _reset_postgres  # noqa: E402

TODAY = date.today().isoformat()  # reviews held today: their next one falls due weeks ahead, as in real work
REVIEW = {"progress": "Steady progress against every outcome", "review_decision": "continue"}


def spiff_baseline(steps: int, held_meeting_id: int) -> list[float]:
    """SpiffWorkflow alone on section17.bpmn, looping on the CIN review; each review meeting (untimed) names a
    meeting already held, so that its timers fire at once."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
    from SpiffWorkflow.util.task import TaskState

    from webapp.workflow.bundles import read_library
    from webapp.workflow.engine import HandlerServiceTask, HandlerServiceTaskConverter, Parser, _registry
    from webapp.workflow.expressions import script_engine
    from webapp.workflow.state import drop_finished_subprocesses
    from webapp.workflow.xml import parse_diagram

    config = dict(CAMUNDA_CONFIG)
    config[HandlerServiceTask] = HandlerServiceTaskConverter
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config, _registry()))
    bundle = read_library(ROOT / "workflows").bundle("section17")
    parser = Parser()
    for name, text in bundle.diagrams.items():
        parser.add_bpmn_xml(parse_diagram(text.encode()), filename=name)
    def handler(name, step, properties, data):  # domain work is left out; what the diagrams read next is not
        return {"set_case_stage": lambda: {f"{properties.get('stage')}_started_on": TODAY},
                "plan_meeting": lambda: {"meeting_kind": properties.get("kind")},
                "finish_meeting": lambda: {"meeting_outcome": "held", "meeting_held_on": TODAY}}.get(name, dict)()

    def ready():
        for _ in range(5):  # a meeting's timers fire on the engine's next passes
            task = workflow.get_next_task(state=TaskState.READY, manual=True)
            if task is not None:
                return task
            workflow.refresh_timers()
            workflow.do_engine_steps()
        raise RuntimeError("no step became ready")

    def hold_review_meeting():
        while (task := ready()).task_spec.bpmn_id != "cin_review":
            task.data.update({"meeting_id": held_meeting_id, "held_on": TODAY})
            task.run()
            workflow.do_engine_steps()

    engine = script_engine(handler)
    workflow = BpmnWorkflow(parser.get_spec("section17"), parser.get_subprocess_specs("section17"))
    workflow.script_engine = engine
    workflow.get_next_task(state=TaskState.READY).data.update({"referral_received_on": "2026-03-02"})
    workflow.do_engine_steps()
    route = {"referral_decision": {"decision": "section17_assessment", "allocated_worker_id": 1},
             "manager_review": {"assessment_agreed": True}, "assessment_outcome": {"outcome": "cin_plan"},
             "cin_plan": {"plan_agreed_on": TODAY}}
    while (task := ready()).task_spec.bpmn_id != "cin_review":
        task.data.update({"meeting_id": held_meeting_id, "held_on": TODAY, **route.get(task.task_spec.bpmn_id, {})})
        task.run()
        workflow.do_engine_steps()
    state = serializer.serialize_json(workflow)
    timings = []
    for _ in range(steps):
        started = time.perf_counter()
        workflow = serializer.deserialize_json(state)
        workflow.script_engine = engine
        task = workflow.get_next_task(state=TaskState.READY, manual=True)
        task.data.update({"review_decision": "continue"})
        task.run()
        workflow.do_engine_steps()
        state = serializer.serialize_json(workflow)
        timings.append(time.perf_counter() - started)
        hold_review_meeting()
        drop_finished_subprocesses(workflow)  # as the runtime does on every save
        state = serializer.serialize_json(workflow)
    return timings


def build_app(url: str):
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.config import Settings
    from webapp.demo import seed_demo
    from webapp.extensions import db
    from webapp.workflow.versions import deploy_directory

    app = create_app(settings=Settings.from_environment({"APP_ENV": "test", "DATABASE_URL": url}))
    with app.app_context():
        upgrade()
        deploy_directory(ROOT / "workflows")
        seed_demo(db.session)
        db.session.commit()
    return app


def case_at_review(app) -> tuple[int, int]:
    """A case taken by the services to its first CIN review decision (three meetings held on the way);
    returns the case and one of its held meetings."""
    from sqlalchemy import select

    from tests.cases.builders import hold_meeting, open_case, referral_answers, take_to_first_review
    from webapp.auth.models import User
    from webapp.extensions import db
    from webapp.meetings.models import Meeting

    with app.app_context():
        sw1, tm1 = (db.session.scalar(select(User).where(User.username == name)) for name in ("sw1", "tm1"))
        case = open_case(sw1, referral_answers("Bench", "Child"))
        take_to_first_review(case, sw1, tm1, plan_agreed_on=TODAY)
        hold_meeting(sw1, case)
        db.session.commit()
        return case.id, db.session.scalar(select(Meeting.id).where(Meeting.case_id == case.id))


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', html)
    return match.group(1) or match.group(2)


def signed_in(app, username: str):
    """A test client signed in through the real form (the session, and so the CSRF token, is new after it)."""
    client = app.test_client()
    client.post("/sign-in", data={"csrf_token": csrf(client.get("/sign-in").text), "username": username,
                                  "password": "demo-password"})
    return client, csrf(client.get("/").text)


def http_steps(app, case_id: int, steps: int) -> list[float]:
    from sqlalchemy import select

    from tests.cases.builders import hold_meeting
    from webapp.auth.models import User
    from webapp.cases.models import Case
    from webapp.extensions import db
    from webapp.workflow.models import OpenTask

    client, token = signed_in(app, "sw1")
    timings = []
    for _ in range(steps):
        with app.app_context():
            task_id = db.session.scalar(select(OpenTask.task_id).where(OpenTask.subject_id == case_id))
        started = time.perf_counter()
        response = client.post(f"/cases/{case_id}/steps/{task_id}", data={"csrf_token": token, **REVIEW})
        timings.append(time.perf_counter() - started)
        assert response.status_code == 302, response.status_code
        with app.app_context():  # the next review meeting, untimed
            hold_meeting(db.session.scalar(select(User).where(User.username == "sw1")), db.session.get(Case, case_id))
            db.session.commit()
    return timings


def fill_cases(app, count: int, instance_id: int) -> None:
    """20,000 cases across ten teams, each with an open step, written with plain inserts (the open steps
    borrow one real workflow instance: list pages never read workflows)."""
    from sqlalchemy import insert, select

    from webapp.auth.models import Team, User
    from webapp.cases.models import Case, Child, Household, Stage
    from webapp.extensions import db
    from webapp.workflow.models import OpenTask

    random.seed(17)
    with app.app_context():
        team_ids = [db.session.scalar(select(Team.id))]
        for number in range(9):
            team = Team(name=f"Bench team {number}")
            db.session.add(team)
            db.session.flush()
            team_ids.append(team.id)
        sw1 = db.session.scalar(select(User).where(User.username == "sw1"))
        start = datetime(2020, 1, 1, tzinfo=timezone.utc)
        now = datetime.now(timezone.utc)  # a quarter of the steps overdue, the rest due over the coming weeks
        families = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Khan"]
        given = ["Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Leo", "Freya", "Arthur"]
        households = [{"address": f"{n} Bench Street", "postcode": f"HG{n % 9} {n % 10}AB"} for n in range(count // 2)]
        first_household = db.session.execute(insert(Household).returning(Household.id), households).scalars().all()[0]
        children = [{"household_id": first_household + n // 2, "given_names": random.choice(given),
                     "family_name": random.choice(families) + str(n % 500),
                     "date_of_birth": date(2010, 1, 1) + timedelta(days=n % 5000), "gender": "not_known"}
                    for n in range(count)]
        first_child = db.session.execute(insert(Child).returning(Child.id), children).scalars().all()[0]
        stages = [s.value for s in Stage]
        cases = [{"child_id": first_child + n, "team_id": team_ids[n % len(team_ids)],
                  "allocated_worker_id": sw1.id if n % len(team_ids) == 0 and n % 3 == 0 else None,
                  "stage": stages[n % len(stages)], "opened_at": start + timedelta(hours=n)} for n in range(count)]
        first_case = db.session.execute(insert(Case).returning(Case.id), cases).scalars().all()[0]
        tasks = [{"instance_id": instance_id, "task_id": f"00000000-0000-0000-0000-{n:012d}", "bpmn_id": "cin_review",
                  "name": "Record the review's decision", "role": "social_worker" if n % 2 else "team_manager",
                  "subject_type": "cases", "subject_id": first_case + n, "ready_at": start + timedelta(hours=n),
                  "due_at": now + timedelta(days=n % 40 - 10)}
                 for n in range(count)]
        db.session.execute(insert(OpenTask.__table__), tasks)
        db.session.commit()


def fill_users(app, count: int) -> None:
    """Accounts across the teams and agencies (one in eight deactivated), written with plain inserts."""
    from sqlalchemy import insert, select

    from webapp.agencies.models import Agency
    from webapp.auth.models import Team, User, UserRole
    from webapp.auth.roles import Role
    from webapp.extensions import db

    random.seed(18)
    with app.app_context():
        team_ids = db.session.scalars(select(Team.id)).all()
        agency_ids = db.session.scalars(select(Agency.id)).all()
        families = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Khan"]
        people = []
        for n in range(count):
            agency = n % 3 == 0
            name = f"{random.choice(['Sam', 'Alex', 'Jo', 'Chris', 'Pat'])} {random.choice(families)}{n % 300}"
            people.append({"username": f"bench.user{n}", "full_name": name, "email": f"bench.user{n}@example.org",
                           "password_hash": "!", "is_active": n % 8 != 0, "session_epoch": 0,
                           "calendar_feed_epoch": 0, "must_change_password": False,
                           "team_id": None if agency else random.choice(team_ids),
                           "agency_id": random.choice(agency_ids) if agency else None})
        first = db.session.execute(insert(User).returning(User.id), people).scalars().all()[0]
        roles = [{"user_id": first + n, "role": (Role.AGENCY_PRACTITIONER if n % 3 == 0 else
                                                  (Role.TEAM_MANAGER if n % 10 == 1 else Role.SOCIAL_WORKER)).value}
                 for n in range(count)]
        db.session.execute(insert(UserRole), roles)
        db.session.commit()


def _median_ms(client, url: str, rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings) * 1000


def page_times(app, rounds: int) -> dict[str, float]:
    from sqlalchemy import select

    from webapp.auth.models import Team
    from webapp.extensions import db

    results = {}
    for username in ("sw1", "tm1", "sm1"):
        client, _ = signed_in(app, username)
        pages = [("Cases, first page", "/cases"), ("Cases, name search", "/cases?q=smith12"),
                 ("Cases, stage filter", "/cases?stage=cin_plan&page=3"),
                 ("Cases, by child's name", "/cases?sort=child&page=2"),
                 ("Cases, by stage, descending", "/cases?sort=stage&dir=desc"),
                 ("Cases, by next deadline", "/cases?sort=deadline"),
                 ("Cases, search by next deadline", "/cases?q=smith1&sort=deadline&dir=desc")]
        casework = [("Cases, allocated to me", "/cases?show=mine&sort=deadline"),
                    ("My tasks, by due date", "/tasks"), ("My tasks, by step", "/tasks?sort=step"),
                    ("My tasks, overdue only", "/tasks?show=overdue"), ("Home (work queue)", "/")]
        for label, url in pages + (casework if username != "sm1" else []):
            results[f"{label} ({username})"] = _median_ms(client, url, rounds)
    with app.app_context():
        team = db.session.scalar(select(Team.id).order_by(Team.id.desc()))
    client, _ = signed_in(app, "admin")
    for label, url in [("Users, first page", "/admin/users"), ("Users, name search", "/admin/users?q=smith12"),
                       ("Users, role and status", "/admin/users?role=team_manager&status=active&page=2"),
                       ("Users, team filter", f"/admin/users?group=team-{team}"),
                       ("Users, search nothing found", "/admin/users?q=nobody+here")]:
        results[f"{label} (admin)"] = _median_ms(client, url, rounds)
    return results


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--steps", type=int, default=30)
    arguments.add_argument("--cases", type=int, default=20000)
    arguments.add_argument("--rounds", type=int, default=15)
    arguments.add_argument("--users", type=int, default=3000)
    options = arguments.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(folder) / 'bench.db'}"
        if url.startswith("postgres"):
            _reset_postgres(url)
        app = build_app(url)
        case_id, held_meeting_id = case_at_review(app)
        with app.app_context():  # diagram expressions read the partnership's settings and meeting times
            spiff = statistics.median(spiff_baseline(options.steps, held_meeting_id)) * 1000
        http = statistics.median(http_steps(app, case_id, options.steps)) * 1000
        database = "PostgreSQL" if url.startswith("postgres") else "file-backed SQLite"
        print(f"Section 17 step over HTTP vs SpiffWorkflow's own cycle (CIN review loop, {database})")
        print(f"  spiff {spiff:.2f} ms   http {http:.2f} ms   ratio {http / spiff:.2f}   target ≤ 5.0")
        with app.app_context():
            from webapp.cases.models import Case
            from webapp.extensions import db

            instance_id = db.session.get(Case, case_id).workflow_instance_id
        fill_cases(app, options.cases, instance_id)
        fill_users(app, options.users)
        print(f"List pages with {options.cases:,} cases and {options.users:,} users (median of {options.rounds}, "
              "server time)   target < 100 ms")
        for label, ms in page_times(app, options.rounds).items():
            print(f"  {label:<46} {ms:7.1f} ms")


if __name__ == "__main__":
    main()
