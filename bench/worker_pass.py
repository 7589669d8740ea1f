"""One worker pass with 20,000 waiting instances of which 200 are due, against the same pass with 2,000
waiting and 200 due. The worker reads the next-timer index, so the cost should follow what is due, not what
waits. Target: ratio ≤ 1.5.

    .venv/bin/python bench/worker_pass.py [--waiting 20000] [--baseline 2000] [--due 200]
With DATABASE_URL it runs on PostgreSQL (a database whose name contains 'test': it is emptied).
"""
from __future__ import annotations

import argparse
import os
import re
import uuid
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import time_machine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from runtime_step import _reset_postgres  # noqa: E402

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def one_pass(url: str, waiting: int, due: int) -> tuple[float, int]:
    """Seconds for one pass of the worker's timer loop, and how many timers it fired."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from webapp import create_app
    from webapp.auth.models import Team, User, UserRole
    from webapp.config import Settings
    from webapp.extensions import db
    from webapp.worker import fire_due_timers
    from webapp.workflow import runtime
    from webapp.workflow.models import WorkflowInstance
    from webapp.workflow.versions import deploy_directory

    if url.startswith("postgres"):
        _reset_postgres(url)
    app = create_app(settings=Settings.from_environment({"APP_ENV": "test", "DATABASE_URL": url}))
    with app.app_context():
        upgrade()
        deploy_directory(ROOT / "tests" / "workflows" / "diagrams")
        team = Team(name="Bench")
        worker = User(username="bench", full_name="Bench", email="b@example.org", password_hash="x", team=team,
                      role_rows=[UserRole(role="social_worker")])
        db.session.add_all([team, worker])
        db.session.flush()
        # Two real states: one whose 4-hour reminder falls due in this pass, one due ten days later.
        with time_machine.travel(START, tick=False):
            due_now = runtime.start_instance("deadline", "cases", 0, {"referral_on": "2026-03-02"}, actor=worker)
        with time_machine.travel(START + timedelta(days=10), tick=False):
            later = runtime.start_instance("deadline", "cases", 0, {"referral_on": "2026-03-12"}, actor=worker)
        table = WorkflowInstance.__table__
        templates = {row.id: row for row in db.session.execute(select(table).where(table.c.id.in_([due_now, later])))}
        rows = []
        for number in range(waiting - 2):
            template = templates[due_now if number < due - 1 else later]
            row = {c: getattr(template, c) for c in template._fields if c != "id"}
            fresh = {}  # each copy gets its own task ids, as a real instance has
            row["state"] = UUID_TEXT.sub(lambda m: fresh.setdefault(m.group(0), str(uuid.uuid4())), row["state"])
            rows.append({**row, "subject_id": number + 1})
        db.session.execute(insert(table), rows)
        db.session.commit()
        with time_machine.travel(START + timedelta(hours=5), tick=False):
            started = time.perf_counter()
            fired, failed = fire_due_timers()
            seconds = time.perf_counter() - started
        assert failed == 0
        db.session.remove()
        db.engine.dispose()
    return seconds, fired


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--waiting", type=int, default=20000)
    arguments.add_argument("--baseline", type=int, default=2000)
    arguments.add_argument("--due", type=int, default=200)
    options = arguments.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        def url(name):
            return os.environ.get("DATABASE_URL") or f"sqlite:///{Path(folder) / name}"

        small, small_fired = one_pass(url("small.db"), options.baseline, options.due)
        large, large_fired = one_pass(url("large.db"), options.waiting, options.due)
    print(f"Worker pass: {options.waiting:,} waiting vs {options.baseline:,} waiting, {options.due} due in each")
    print(f"  {options.baseline:>7,} waiting: {small * 1000:8.1f} ms, {small_fired} timers fired")
    print(f"  {options.waiting:>7,} waiting: {large * 1000:8.1f} ms, {large_fired} timers fired")
    print(f"  ratio {large / small:.2f}   target ≤ 1.5")


if __name__ == "__main__":
    main()
