"""What beginning signed-in page views as writers costs readers on SQLite (webapp/database.py).

Signed-in page views audit the look, so on SQLite they begin with BEGIN IMMEDIATE and wait for each other and
for the worker; a read transaction that writes later cannot wait (it fails at once when another writer got in
first). This serves the case page to 1, 2 and 4 concurrent signed-in readers (threads, as `flask run` serves
them) both ways, and prints page views answered per second and how many failed (500, "database is locked").
Target: no failures; answered views per second not below the deferred readers'.

    .venv/bin/python bench/sqlite_page_views.py [--views 40]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(database: str):
    from flask_migrate import upgrade
    from sqlalchemy import select

    from tests.cases.builders import open_case, referral_answers
    from webapp import create_app
    from webapp.auth.models import User
    from webapp.config import Settings
    from webapp.demo import seed_demo
    from webapp.extensions import db
    from webapp.workflow.versions import deploy_directory

    app = create_app(settings=Settings.from_environment({"APP_ENV": "test", "DATABASE_URL": database}))
    with app.app_context():
        upgrade()
        deploy_directory(ROOT / "workflows")
        seed_demo(db.session)
        db.session.commit()
        sw1 = db.session.scalar(select(User).where(User.username == "sw1"))
        case_id = open_case(sw1, referral_answers()).id
        db.session.commit()
    return app, case_id


def readers(app, case_id: int, threads: int, views: int) -> tuple[float, int]:
    """Page views answered (200) per second with `threads` signed-in readers, and how many failed."""
    from tests.helpers import sign_in
    from webapp.demo import DEMO_PASSWORD

    clients = []
    for _ in range(threads):
        client = app.test_client()
        sign_in(client, "sw1", DEMO_PASSWORD)
        clients.append(client)
    failures, barrier = [], threading.Barrier(threads + 1)

    def read(client):
        barrier.wait()
        for _ in range(views):
            with app.app_context():
                status = client.get(f"/cases/{case_id}").status_code
            if status != 200:
                failures.append(status)

    workers = [threading.Thread(target=read, args=(c,)) for c in clients]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    return (threads * views - len(failures)) / (time.perf_counter() - started), len(failures)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--views", type=int, default=40, help="page views per reader")
    args = parser.parse_args()
    import logging

    import webapp.database as database

    logging.disable(logging.ERROR)  # the deferred readers' failures would print a traceback each

    writers_early = database.request_may_write
    deferred = lambda method, endpoint, **_: method not in {"GET", "HEAD", "OPTIONS"}  # noqa: E731 the old rule
    with tempfile.TemporaryDirectory() as folder:
        app, case_id = build(f"sqlite:///{folder}/bench.db")
        print(f"{'readers':>8} {'deferred/s':>11} {'failed':>7} {'early/s':>9} {'failed':>7} {'ratio':>6}")
        for threads in (1, 2, 4):
            database.request_may_write = deferred
            base, base_failed = readers(app, case_id, threads, args.views)
            database.request_may_write = writers_early
            early, early_failed = readers(app, case_id, threads, args.views)
            print(f"{threads:>8} {base:>11.1f} {base_failed:>7} {early:>9.1f} {early_failed:>7} {early / base:>6.2f}")


if __name__ == "__main__":
    main()
