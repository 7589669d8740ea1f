"""A load test on PostgreSQL: gunicorn with 4 web processes and 2 `flask worker` processes, and 50 simulated
users for 60 seconds, each opening the case list and their task list and completing steps of their own cases
through the API (the team manager's referral decision, then the social worker's assessment). It prints the
median and 95th percentile of each kind of request, and checks that there was no error and no lost update
(every completion the users were told about is in the database, exactly once).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/load.py [--users 50] [--seconds 60]
The database's name must contain 'test': it is emptied.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from runtime_step import _reset_postgres  # noqa: E402

CASES_PER_USER = 40  # more than a user gets through in the time: nobody runs out of work


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def setup(url: str, users: int) -> tuple[dict, dict[int, list[int]]]:
    """A fresh schema, the demo partnership, API tokens for tm1 and sw1, and each user's own cases."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from tests.cases.builders import open_case, referral_answers
    from webapp import create_app
    from webapp.api.tokens import create_personal_token
    from webapp.audit.services import NO_ORIGIN
    from webapp.auth.models import User
    from webapp.config import Settings
    from webapp.demo import seed_demo
    from webapp.extensions import db
    from webapp.workflow.versions import deploy_directory

    _reset_postgres(url)
    app = create_app(settings=Settings.from_environment({"APP_ENV": "test", "DATABASE_URL": url}))
    with app.app_context():
        upgrade()
        deploy_directory(ROOT / "workflows")
        seed_demo(db.session)
        sw1, tm1 = (db.session.scalar(select(User).where(User.username == n)) for n in ("sw1", "tm1"))
        now = datetime.now(timezone.utc)
        tokens = {"sw1": create_personal_token(sw1, "load", days=1, origin=NO_ORIGIN, now=now)[1],
                  "tm1": create_personal_token(tm1, "load", days=1, origin=NO_ORIGIN, now=now)[1], "sw1_id": sw1.id}
        cases = {u: [open_case(sw1, referral_answers(given=f"Load{u}x{c}", family="Loadtest")).id
                     for c in range(CASES_PER_USER)] for u in range(users)}
        db.session.commit()
        db.engine.dispose()
    return tokens, cases


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.completed: list[tuple[int, str]] = []  # (case id, step) the users were told completed

    def record(self, kind: str, seconds: float, response: requests.Response, expected: int = 200) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            if response.status_code != expected:
                self.errors.append(f"{kind}: {response.status_code} {response.text[:200]}")


def simulate(base: str, tokens: dict, case_ids: list[int], stop: float, tally: Tally) -> None:
    session = requests.Session()
    as_worker = {"Authorization": f"Bearer {tokens['sw1']}"}
    as_manager = {"Authorization": f"Bearer {tokens['tm1']}"}

    def timed(kind, method, path, headers, **kwargs):
        started = time.perf_counter()
        response = session.request(method, base + path, headers=headers, timeout=30, **kwargs)
        tally.record(kind, time.perf_counter() - started, response)
        return response

    for case_id in case_ids:
        for bpmn_name, headers, answers in (
                ("Decide on the referral", as_manager,
                 {"decision": "section17_assessment", "allocated_worker_id": tokens["sw1_id"],
                  "decision_reasons": "Load test", "referrer_acknowledged": False}),
                ("Carry out the assessment", as_worker,
                 {"child_seen": False, "child_wishes_and_feelings": "x", "findings": "x", "primary_need": "N1",
                  "parental_substance_use": "no", "domestic_abuse": "no", "parental_conflict": "no",
                  "parental_mental_health": "no"})):
            if time.monotonic() >= stop:
                return
            timed("case list", "GET", "/api/v1/cases", as_worker)
            timed("task list", "GET", "/api/v1/tasks", as_worker)
            case = timed("case", "GET", f"/api/v1/cases/{case_id}", headers).json()
            step = next(s for s in case["open_steps"] if s["name"] == bpmn_name)
            done = timed("complete a step", "POST", f"/api/v1/cases/{case_id}/tasks/{step['task_id']}", headers,
                         json={"answers": answers})
            if done.status_code == 200:
                with tally.lock:
                    tally.completed.append((case_id, bpmn_name))


def lost_updates(url: str, completed: list[tuple[int, str]]) -> list[str]:
    """Completions the users were told about that the database does not hold exactly once."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        held = defaultdict(int)
        for case_id, step in connection.execute(text("SELECT case_id, step_name FROM step_records")):
            held[(case_id, step)] += 1
    engine.dispose()
    return [f"case {c}: {s} recorded {held[(c, s)]} time(s)" for c, s in completed if held[(c, s)] != 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database whose name contains 'test'.")
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    started = time.perf_counter()
    tokens, cases = setup(url, args.users)
    print(f"Load test: {args.users} users, {args.users * CASES_PER_USER} cases, set up in "
          f"{time.perf_counter() - started:.0f} s; gunicorn 4 processes, 2 workers, PostgreSQL")
    port = free_port()
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": url, "FLASK_APP": "webapp",
           "SECRET_KEY": "load-test-secret-key-0123456789abcdef", "WORKER_INTERVAL_SECONDS": "1"}
    bin_dir = Path(sys.executable).parent
    web = subprocess.Popen([str(bin_dir / "gunicorn"), "--workers", "4", "--bind", f"127.0.0.1:{port}",
                            "--log-level", "warning", "webapp:create_app()"], cwd=ROOT, env=env)
    workers = [subprocess.Popen([str(bin_dir / "flask"), "worker"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
               for _ in range(2)]
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the web processes import everything before they answer
            try:
                if requests.get(base + "/health", timeout=5).ok:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        tally, stop = Tally(), time.monotonic() + args.seconds
        threads = [threading.Thread(target=simulate, args=(base, tokens, cases[u], stop, tally))
                   for u in range(args.users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for process in [web, *workers]:
            process.terminate()
        for process in [web, *workers]:
            process.wait(timeout=30)
    lost = lost_updates(url, tally.completed)
    for kind, times in sorted(tally.times.items()):
        ordered = sorted(times)
        p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
        print(f"  {kind:<16} {len(times):6d} requests   median {statistics.median(times) * 1000:7.1f} ms   "
              f"95th percentile {p95 * 1000:7.1f} ms")
    print(f"  steps completed: {len(tally.completed)}   errors: {len(tally.errors)}   lost updates: {len(lost)}")
    for problem in (tally.errors + lost)[:10]:
        print(f"    {problem}")
    if tally.errors or lost:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
