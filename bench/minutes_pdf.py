"""Minutes PDFs: (1) the median time to render a 10-page minutes PDF through the app's path (the worker claims
the document, builds its HTML from the database, renders PDF/A-3a with the static-only fetcher, hashes and
stores it) against WeasyPrint rendering the same HTML alone in the same process; target ratio ≤ 1.2.
(2) 20 PDFs queued at once through the worker's passes while timers fall due every half second: how long the
20 take, and how late the timers fire, against the same timers with nothing queued.

    .venv/bin/python bench/minutes_pdf.py [--rounds 7] [--documents 20]
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import time_machine
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARAGRAPH = ("Ava spoke about school, her friends and the evenings at home. She said mornings are calmer now and "
             "that she likes the new bedtime story. Her teacher reports she arrives on time most days. ") * 6


def long_minutes() -> dict:
    """Minutes long enough for about ten A4 pages."""
    from tests.minutes.builders import CONTENT

    return {**CONTENT, "child_views": PARAGRAPH * 2, "family_views": PARAGRAPH, "strengths": PARAGRAPH,
            "worries": PARAGRAPH * 2, "decisions": PARAGRAPH, "contingency": PARAGRAPH,
            "progress": [{"outcome": f"Outcome {n}", "progress": PARAGRAPH[:400]} for n in range(1, 9)],
            "actions": [{"action": f"Action {n}: a visit, a call or a referral agreed at the meeting",
                         "owner": "Demo Health Visitor", "due_on": "2026-04-01"} for n in range(1, 76)]}


def demo_app(url: str):
    """The app on `url` with its context pushed: schema migrated, the processes (and the test diagrams)
    deployed, the demo partnership seeded and committed. Returns (app, context)."""
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.config import Settings
    from webapp.demo import seed_demo
    from webapp.extensions import db
    from webapp.workflow.versions import deploy_directory

    app = create_app(settings=Settings.from_environment({"APP_ENV": "test", "DATABASE_URL": url}))
    context = app.app_context()
    context.push()
    upgrade()
    deploy_directory(ROOT / "workflows")
    deploy_directory(ROOT / "tests" / "workflows" / "diagrams")
    seed_demo(db.session)
    db.session.commit()
    return app, context


def setup(url: str):
    from tests.minutes.builders import approve, held_meeting, write
    from webapp.extensions import db

    app, context = demo_app(url)
    case, meeting, sw1, tm1 = held_meeting(db.session)
    write(sw1, case, long_minutes())
    version = approve(tm1, case)
    db.session.commit()
    return app, context, version.document_id


def render_once_through_the_app(document_id: int) -> float:
    from webapp.documents.models import Document
    from webapp.extensions import db
    from webapp.worker import render_documents

    document = db.session.get(Document, document_id)
    document.status, document.attempts = "queued", 0  # each round a fresh document (attempts count at claim)
    db.session.commit()
    started = time.perf_counter()
    rendered, _ = render_documents()
    seconds = time.perf_counter() - started
    assert rendered == 1
    return seconds


def render_once_alone(html: str) -> float:
    from weasyprint import HTML

    from webapp.documents.rendering import PDF_VARIANT, STATIC_ROOT

    started = time.perf_counter()
    HTML(string=html, base_url=STATIC_ROOT.as_uri() + "/").write_pdf(pdf_variant=PDF_VARIANT)
    return time.perf_counter() - started


def arm_timers(count: int, spacing: float) -> dict[int, datetime]:
    """Instances of the test diagram whose 4-hour reminder falls due every `spacing` seconds from now."""
    from sqlalchemy import select

    from webapp.auth.models import User
    from webapp.extensions import db
    from webapp.workflow import runtime

    worker = db.session.scalar(select(User).where(User.username == "sw1"))
    due = {}
    first = datetime.now(timezone.utc) + timedelta(seconds=1)
    for number in range(count):
        due_at = first + timedelta(seconds=spacing * number)
        with time_machine.travel(due_at - timedelta(hours=4), tick=False):
            instance = runtime.start_instance("deadline", "cases", 0, {"referral_on": "2027-06-01"}, actor=worker)
        due[instance] = due_at
    db.session.commit()
    return due


def run_worker(due: dict[int, datetime]) -> tuple[list[float], float]:
    """Worker passes (as `flask worker` runs them, mail handed to nobody) until every timer fired and nothing is
    queued; returns how late each timer fired (s) and how long the whole run took."""
    from sqlalchemy import select

    from webapp.config import MailSettings
    from webapp.extensions import db
    from webapp.worker import run_pass
    from webapp.workflow.models import WorkflowInstance

    late, waiting, started = [], dict(due), time.perf_counter()
    while True:
        result = run_pass(MailSettings(), send=lambda message, settings: None)
        now = datetime.now(timezone.utc)
        rows = dict(db.session.execute(select(WorkflowInstance.id, WorkflowInstance.next_timer_at)
                                       .where(WorkflowInstance.id.in_(waiting))).all())
        for instance, due_at in list(waiting.items()):
            if rows[instance] is None or rows[instance] > due_at:
                late.append((now - due_at).total_seconds())
                del waiting[instance]
        db.session.rollback()
        if not waiting and not result.documents_waiting:
            return late, time.perf_counter() - started
        if not result.documents_waiting:
            time.sleep(0.1)  # the worker's pause, shortened so that lateness shows the PDFs, not the pause


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--documents", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app, context, document_id = setup(f"sqlite:///{folder}/bench.db")
        from webapp.documents.models import Document
        from webapp.documents.services import document_html
        from webapp.extensions import db

        render_once_through_the_app(document_id)  # warm both paths: fonts, imports
        html = document_html(db.session.get(Document, document_id), app.config["APP_SETTINGS"].partnership_name)
        render_once_alone(html)
        pages = len(PdfReader(io.BytesIO(db.session.get(Document, document_id).pdf)).pages)
        app_times, alone_times = [], []
        for _ in range(args.rounds):
            app_times.append(render_once_through_the_app(document_id))
            alone_times.append(render_once_alone(html))
        app_median, alone_median = statistics.median(app_times), statistics.median(alone_times)
        print(f"Minutes PDF, {pages} pages, median of {args.rounds} (PDF/A-3a, tagged)")
        print(f"  WeasyPrint alone {alone_median * 1000:8.1f} ms   through the app {app_median * 1000:8.1f} ms   "
              f"ratio {app_median / alone_median:.2f}   target ≤ 1.2")

        baseline_late, _ = run_worker(arm_timers(20, 0.5))
        version = db.session.get(Document, document_id)
        for _ in range(args.documents):
            db.session.add(Document(case_id=version.case_id, kind="minutes", source_id=version.source_id,
                                    title=version.title, created_at=datetime.now(timezone.utc)))
        db.session.commit()
        queued_late, seconds = run_worker(arm_timers(20, 0.5))
        print(f"{args.documents} PDFs queued at once, rendered by the worker's passes while 20 timers fell due")
        print(f"  all {args.documents} done in {seconds:.1f} s ({seconds / args.documents * 1000:.0f} ms each)")
        print(f"  timer lateness, nothing queued: median {statistics.median(baseline_late):.2f} s, "
              f"worst {max(baseline_late):.2f} s")
        print(f"  timer lateness, PDFs queued:    median {statistics.median(queued_late):.2f} s, "
              f"worst {max(queued_late):.2f} s   (one PDF per pass, then timers again)")
        context.pop()


if __name__ == "__main__":
    main()
