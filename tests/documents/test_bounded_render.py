"""The worker keeps its promises when a render goes wrong: a render is stopped past its time or memory limit,
a worker killed mid-render (out of memory) uses up an attempt, the last failure is shown on the record's page
and alerted to the administrators (references only), and a worker told to stop gives its document back at
once. Real WeasyPrint in a real child process, on the real database."""
from __future__ import annotations

import multiprocessing
import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.helpers import signed_in
from tests.minutes.builders import CONTENT, approve, held_meeting, write
from webapp.columns import utc_now
from webapp.demo import DEMO_CHILD_NAMES
from webapp.documents.models import Document
from webapp.documents.services import (
    MAX_ATTEMPTS, claim_queued_document, finish_render, stale_claim_after,
)
from webapp.documents.work import render_queued
from webapp.mail.models import OutboxMessage
from webapp.monitoring.models import AdminAlert

TEXT = ("Word " * 4000)[:20000]


def longest_minutes() -> dict:
    """Minutes as long as the schema allows: every section full, 50 outcomes and 100 actions (a render of
    ten seconds or more, where the tests stop it after a fraction of that)."""
    content = {**CONTENT, "dissent": TEXT[:10000], "contingency": TEXT[:10000]}
    for section in ("child_views", "family_views", "strengths", "worries", "decisions"):
        content[section] = TEXT
    content["progress"] = [{"outcome": TEXT[:500], "progress": TEXT[:5000]} for _ in range(50)]
    content["actions"] = [{"action": TEXT[:500], "owner": TEXT[:200], "due_on": "2026-04-01"} for _ in range(100)]
    return content


def issued_minutes(session, content=None):
    """A held meeting's minutes written and approved, their PDF queued and committed."""
    case, meeting, sw1, tm1 = held_meeting(session)
    write(sw1, case, content)
    version = approve(tm1, case)
    session.commit()
    return case, meeting, version.document_id


@pytest.fixture
def settings(app):
    return app.config["APP_SETTINGS"]


def document(session, document_id) -> Document:
    session.expire_all()
    return session.get(Document, document_id)


def alerts(session, document_id) -> list[AdminAlert]:
    return list(session.scalars(select(AdminAlert).where(AdminAlert.key == f"document:{document_id}")))


def assert_no_child_names(*texts: str) -> None:
    for text in texts:
        for name in DEMO_CHILD_NAMES:
            assert name.split()[0] not in text and name.split()[-1] not in text, text


def test_a_render_over_its_time_limit_ends_failed_with_the_reason(app, partnership_committed, settings, clock):
    session = partnership_committed
    case, meeting, document_id = issued_minutes(session, longest_minutes())
    hurried = replace(settings, render_timeout_seconds=0.5)
    started = time.monotonic()
    assert render_queued(hurried, limit=10) == (0, False)
    assert time.monotonic() - started < 5  # stopped at its limit, not left to finish its ten seconds
    first = document(session, document_id)
    assert (first.status, first.attempts, first.last_error) == ("queued", 1, "the render took longer than 0.5 s")
    assert not alerts(session, document_id)  # not yet: it has attempts left
    for _ in range(MAX_ATTEMPTS - 1):
        assert render_queued(hurried, limit=10) == (0, False)
    failed = document(session, document_id)
    assert (failed.status, failed.attempts, failed.pdf) == ("failed", MAX_ATTEMPTS, None)
    assert failed.last_error == "the render took longer than 0.5 s"
    assert render_queued(hurried, limit=10) == (0, False)  # nothing left to try
    alert, = alerts(session, document_id)
    assert alert.kind == "document_failed" and f"Document {document_id} (minutes, case {case.reference})" in alert.message
    assert_no_child_names(alert.message)
    page = signed_in(app, "sw1").get(f"/meetings/{meeting.id}/minutes")
    assert "The PDF could not be prepared: the render took longer than 0.5 s." in page.text
    assert "The administrators have been told." in page.text


def test_a_render_over_its_memory_limit_fails_with_the_memory_reason(partnership_committed, settings, clock):
    session = partnership_committed
    _, _, document_id = issued_minutes(session, longest_minutes())
    assert render_queued(replace(settings, render_memory_mb=200), limit=10) == (0, False)
    refused = document(session, document_id)
    assert refused.status == "queued" and refused.attempts == 1
    assert refused.last_error.startswith("the render needed more than 200 MB"), refused.last_error


def test_a_render_within_its_limits_is_stored_once_and_counted_once(partnership_committed, settings, clock):
    session = partnership_committed
    _, _, document_id = issued_minutes(session)
    assert render_queued(settings, limit=10) == (1, False)
    ready = document(session, document_id)
    assert (ready.status, ready.attempts, ready.last_error) == ("ready", 1, None)
    assert ready.pdf.startswith(b"%PDF-") and not alerts(session, document_id)


def test_a_worker_that_dies_mid_render_uses_up_an_attempt_and_the_last_death_fails_the_document(
        partnership_committed, settings, clock):
    session = partnership_committed
    case, _, document_id = issued_minutes(session)
    stale = stale_claim_after(settings.render_timeout_seconds)
    assert stale > timedelta(seconds=settings.render_timeout_seconds)  # no live render is taken from its worker
    for attempt in range(1, MAX_ATTEMPTS + 1):
        # A worker claims the document, commits, and is killed (out of memory) before it finishes.
        assert claim_queued_document(utc_now(), stale_after=stale) == document_id
        session.commit()
        assert document(session, document_id).attempts == attempt
        clock.shift(stale - timedelta(seconds=1))
        assert render_queued(settings, limit=10) == (0, False)  # its claim still stands
        assert document(session, document_id).status == "rendering"
        clock.shift(timedelta(seconds=2))
    assert render_queued(settings, limit=10) == (0, False)  # the fourth taker fails it instead of rendering
    failed = document(session, document_id)
    assert (failed.status, failed.attempts, failed.pdf) == ("failed", MAX_ATTEMPTS, None)
    assert failed.last_error == f"the worker stopped during each of {MAX_ATTEMPTS} attempts (out of memory or killed)"
    alert, = alerts(session, document_id)
    assert alert.kind == "document_failed" and alert.cleared_at is None
    assert f"Document {document_id}" in alert.message and case.reference in alert.message
    mails = list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "admin_alert")))
    assert mails and all(case.reference in m.body_text for m in mails)
    assert_no_child_names(alert.message, *(m.subject + m.body_text for m in mails))


def test_a_pdf_finished_after_its_claim_was_taken_over_is_dropped(partnership_committed, settings, clock):
    session = partnership_committed
    _, _, document_id = issued_minutes(session)
    stale = stale_claim_after(settings.render_timeout_seconds)
    first_claim = utc_now()
    assert claim_queued_document(first_claim, stale_after=stale) == document_id
    session.commit()
    clock.shift(stale + timedelta(seconds=1))  # the first worker seems dead: another takes the document over
    assert render_queued(settings, limit=10) == (1, False)
    stored = document(session, document_id).sha256
    assert not finish_render(document_id, first_claim, b"%PDF- late and different", utc_now())
    session.commit()
    kept = document(session, document_id)
    assert (kept.status, kept.sha256, kept.attempts) == ("ready", stored, 2)


def test_a_stopping_worker_kills_its_render_and_gives_the_document_back(partnership_committed, settings, clock):
    session = partnership_committed
    _, _, document_id = issued_minutes(session, longest_minutes())
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()  # SIGTERM a second into a render of ten seconds or more
    started = time.monotonic()
    assert render_queued(settings, limit=10, stop=stop) == (0, True)
    assert 1.0 <= time.monotonic() - started < 3.0
    given_back = document(session, document_id)
    assert (given_back.status, given_back.attempts, given_back.claimed_at) == ("queued", 0, None)
    assert not multiprocessing.active_children()  # the render process is gone
    assert render_queued(settings, limit=10, stop=stop) == (0, True)  # stopped: nothing more is claimed
    assert document(session, document_id).attempts == 0



def test_an_error_before_the_render_fails_the_document_with_its_type_only(partnership_committed, settings, clock):
    session = partnership_committed
    case, _, _ = issued_minutes(session)
    assert render_queued(settings, limit=10) == (1, False)  # the real minutes: out of the way
    broken = Document(case_id=case.id, kind="minutes", source_id=999999, title="Broken", created_at=utc_now())
    session.add(broken)
    session.commit()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert render_queued(settings, limit=10) == (0, False)
        assert document(session, broken.id).attempts == attempt  # counted once, at the claim
    failed = document(session, broken.id)
    assert failed.status == "failed"
    assert failed.last_error == "an error in the service (AttributeError); the worker's log has the details"
    alert, = alerts(session, broken.id)
    assert alert.message.endswith(failed.last_error) and case.reference in alert.message


def test_the_worker_keeps_firing_timers_while_a_long_render_runs(app, partnership_committed, settings, clock,
                                                                 smtp_server):
    """A reminder falling due once the render has begun fires during the render, not after it."""
    from pathlib import Path

    from webapp.auth.models import User
    from webapp.config import MailSettings
    from webapp.extensions import db
    from webapp.worker import run_pass
    from webapp.workflow import runtime
    from webapp.workflow.models import WorkflowTimer
    from webapp.workflow.versions import deploy_directory

    session = partnership_committed
    deploy_directory(Path(__file__).resolve().parents[1] / "workflows" / "diagrams")
    worker = session.scalar(select(User).where(User.username == "sw1"))
    reminder = runtime.start_instance("deadline", "cases", 1, {"referral_on": "2026-03-02"}, actor=worker)
    _, _, document_id = issued_minutes(session, longest_minutes())
    engine, seen = db.engine, {}

    def reminder_state() -> tuple[str, str]:
        with engine.connect() as connection:
            timer = connection.scalar(select(WorkflowTimer.state).where(WorkflowTimer.instance_id == reminder,
                                                                        WorkflowTimer.bpmn_id == "reminder"))
            status = connection.scalar(select(Document.status).where(Document.id == document_id))
        return timer, status

    def watch():  # from beside the worker, as another process would see it
        deadline = time.monotonic() + 30
        while reminder_state()[1] != "rendering" and time.monotonic() < deadline:
            time.sleep(0.05)
        clock.shift(timedelta(hours=4, seconds=1))  # the reminder falls due while the PDF renders
        state = reminder_state()
        while state == ("waiting", "rendering"):  # the render outlasts its 6 s bound: this ends either way
            time.sleep(0.05)
            state = reminder_state()
        seen["when the reminder fired"] = state

    slow = replace(settings, worker_interval_seconds=0.2, render_timeout_seconds=6, worker_mail_budget_seconds=1)
    watcher = threading.Thread(target=watch)
    watcher.start()
    run_pass(replace(MailSettings(), host=smtp_server.host, port=smtp_server.port), settings=slow)
    watcher.join()
    assert seen["when the reminder fired"] == ("fired", "rendering")
