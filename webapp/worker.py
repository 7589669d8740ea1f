"""The worker: fires due timers, sends queued mail, reads calendar replies from the organizer mailbox (when
configured) and renders queued PDFs, one unit per transaction, until stopped.
Deadlines come first and every pass is bounded: re-arm and fire due timers; send mail for at most
`worker_mail_budget_seconds` (each conversation on a thread of its own, while this thread goes on firing timers
as they fall due); read replies, seal the audit trail, render one PDF (timers still fired as they fall due while
it renders); then record the heartbeat and whether mail has stalled. What a pass leaves (mail, PDFs) starts the
next pass at once. No transaction is open while a mail, IMAP or render conversation runs.
Any number of workers may run side by side on PostgreSQL; a worker killed mid-way loses nothing (what it had
not committed is done again by the next pass)."""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from webapp.columns import utc_now
from webapp.config import MailSettings, ReplySettings, Settings
from webapp.database import begin_write
from webapp.extensions import db
from webapp.mail.delivery import deliver_next, send_by_smtp
from webapp.workflow import runtime

log = logging.getLogger(__name__)
DOCUMENTS_PER_PASS = 1  # a 10-page render takes about a second: timers and mail wait no longer than one
SEND_POLL_SECONDS = 0.2  # while a mail conversation runs: how often to look at the stop signal and the timers


class WorkerStopping(BaseException):
    """Raised out of a mail conversation left behind because the worker was told to stop. Not an Exception, so
    the mail code does not count it as the message's failure: its claim lapses and a later pass sends it."""


@dataclass
class PassResult:
    timers_fired: int = 0
    timers_failed: int = 0
    mail_attempts: int = 0
    replies_read: int = 0
    documents_rendered: int = 0
    documents_waiting: bool = False  # more PDFs are queued: the next pass starts at once
    mail_waiting: bool = False  # the mail budget ran out with mail still due: the next pass starts at once

    @property
    def work_waiting(self) -> bool:
        return self.documents_waiting or self.mail_waiting


def worker_name() -> str:
    """This worker process, as its heartbeat row names it."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def fire_due_timers(limit: int = 1000, *, stop: threading.Event | None = None) -> tuple[int, int]:
    """Fire every due timer once (each in its own transaction); returns (fired, failed)."""
    db.session.rollback()  # start clean: a transaction left open would hold an old snapshot (SQLite)
    fired, failed, seen = 0, 0, set()
    while fired + failed < limit and not _stopping(stop):
        now = utc_now()
        instance_id = runtime.claim_due_instance(now, seen)
        if instance_id is None:
            db.session.rollback()
            break
        seen.add(instance_id)
        try:
            runtime.fire_due_timers(instance_id, now=now)
        except Exception:
            db.session.rollback()
            failed += 1
            log.exception("Timer of workflow instance %s failed; it is tried again next pass", instance_id)
            continue
        db.session.commit()
        fired += 1
    return fired, failed


class DeadlineKeeper:
    """Fires due timers at the start of a pass and again whenever an interval has passed since it last looked,
    however long the pass spends on mail, replies or a render: a timer fires within about one interval of
    falling due."""

    def __init__(self, interval_seconds: float, result: PassResult, stop: threading.Event | None = None):
        self.interval, self.result, self.stop = interval_seconds, result, stop
        self.looked_at = float("-inf")

    def fire(self) -> None:
        self.looked_at = time.monotonic()
        fired, failed = fire_due_timers(stop=self.stop)
        self.result.timers_fired += fired
        self.result.timers_failed += failed

    def fire_if_due(self) -> None:
        if time.monotonic() - self.looked_at >= self.interval and not _stopping(self.stop):
            self.fire()

    def fire_if_due_quietly(self) -> None:
        """Between the units of another job (a mail conversation running): a failure here must not become
        that job's failure; the timers are tried again at the next look."""
        try:
            self.fire_if_due()
        except Exception:
            db.session.rollback()
            log.warning("Due timers could not be fired meanwhile; they are tried again shortly", exc_info=True)


def send_due_mail(settings: MailSettings, send=send_by_smtp, limit: int = 1000) -> int:
    """Try every message due, each in its own transaction; returns how many were tried."""
    return send_mail_within(settings, send, limit=limit)[0]


def send_mail_within(settings: MailSettings, send=send_by_smtp, *, seconds: float | None = None,
                     limit: int = 1000, stop: threading.Event | None = None,
                     meanwhile: Callable[[], None] | None = None) -> tuple[int, bool]:
    """Try due messages one at a time, taking no new one once `seconds` have passed or `stop` is set; with
    `meanwhile`, each conversation runs on a thread of its own and `meanwhile` is called every so often as it
    waits (no transaction is open then). Returns (tried, whether mail may still be due)."""
    db.session.rollback()
    if stop is not None or meanwhile is not None:
        send = _beside(send, stop, meanwhile)
    ends = None if seconds is None else time.monotonic() + seconds
    tried = 0
    try:
        while True:
            if tried >= limit or _stopping(stop) or (ends is not None and time.monotonic() >= ends):
                return tried, True
            try:
                delivered = deliver_next(utc_now(), settings, send)
            except WorkerStopping:  # the claimed message is sent again once its claim lapses
                return tried + 1, True
            if not delivered:
                return tried, False
            db.session.commit()
            tried += 1
    finally:
        db.session.rollback()


def _beside(send, stop: threading.Event | None, meanwhile: Callable[[], None] | None):
    """`send` run on a thread of its own, so that this thread can keep deadlines and hear the stop signal while
    a slow mail server answers. Its exceptions reach the caller as if raised here."""

    def send_beside(message, settings: MailSettings) -> None:
        outcome: list[BaseException] = []

        def converse():
            try:
                send(message, settings)
            except BaseException as error:  # handed to the waiting thread, which raises it
                outcome.append(error)

        conversation = threading.Thread(target=converse, name="mail-send", daemon=True)
        conversation.start()
        while True:
            conversation.join(SEND_POLL_SECONDS)
            if not conversation.is_alive():
                break
            if _stopping(stop):
                raise WorkerStopping  # the daemon thread dies with the process; the deadline ends it otherwise
            if meanwhile is not None:
                meanwhile()
        if outcome:
            raise outcome[0]

    return send_beside


def rearm_deadlines(limit: int = 1000, *, stop: threading.Event | None = None) -> int:
    """Work through requests to compute deadlines again (a setting or bank holiday changed), an instance at a
    time; returns how many steps were taken."""
    db.session.rollback()
    steps = 0
    while steps < limit and not _stopping(stop) and runtime.rearm_next(utc_now()):
        db.session.commit()
        steps += 1
    db.session.rollback()
    return steps


def fetch_replies(settings: ReplySettings, limit: int = 500, *, stop: threading.Event | None = None,
                  meanwhile: Callable[[], None] | None = None) -> int:
    """Take in each new message of the organizer mailbox in its own transaction, marking it processed only
    after its rows are committed: a crash in between reads it again, and its Message-ID makes that a duplicate
    that changes nothing. No transaction is open while the IMAP server is asked. Returns how many messages were
    read; `meanwhile` is called between messages."""
    from webapp.meetings.inbox import ingest_message
    from webapp.meetings.mailbox import open_mailbox

    db.session.rollback()
    read = 0
    with open_mailbox(settings) as mailbox:
        for uid, raw in mailbox.unprocessed(limit):
            if _stopping(stop):
                break
            if meanwhile is not None:
                meanwhile()
            try:
                ingest_message(raw, via="imap", now=utc_now())
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("Message %s of the organizer mailbox could not be taken in; it stays unprocessed",
                              uid.decode())
                continue
            mailbox.mark_processed(uid)
            read += 1
    return read


def render_documents(limit: int = DOCUMENTS_PER_PASS, *, settings: Settings | None = None,
                     stop: threading.Event | None = None,
                     meanwhile: Callable[[], None] | None = None) -> tuple[int, bool]:
    """Render up to `limit` queued PDFs (webapp/documents/work.py: each claimed in its own short transaction,
    rendered with none open); returns (rendered, whether more may be waiting). One per pass by default, and
    the next pass starts at once while PDFs are waiting."""
    from webapp.documents.work import render_queued

    return render_queued(settings or current_app.config["APP_SETTINGS"], limit=limit, stop=stop,
                         meanwhile=meanwhile)


def alert_overdue_visits(limit: int = 1000, *, stop: threading.Event | None = None) -> int:
    """Alert each case's team to a statutory visit fallen overdue (webapp/visits/overdue.py), each in its own
    transaction; one that fails is tried again next pass. Returns how many were alerted."""
    from webapp.visits.overdue import alert_overdue, claim_overdue

    db.session.rollback()
    alerted, seen = 0, set()
    while alerted < limit and not _stopping(stop):
        schedule = claim_overdue(utc_now(), seen)
        if schedule is None:
            break
        case_id = schedule.case_id
        seen.add(case_id)
        try:
            alert_overdue(schedule)
        except Exception:
            db.session.rollback()
            log.exception("The overdue visit alert of case %s failed; it is tried again next pass", case_id)
            continue
        db.session.commit()
        alerted += 1
    db.session.rollback()
    return alerted


def seal_audit_trail() -> int:
    """Seal the audit rows committed since the last pass into the hash chain."""
    from webapp.audit.chain import seal_pending

    db.session.rollback()
    sealed = seal_pending()
    db.session.commit()
    return sealed


def watch_mail(stalled_after: timedelta) -> None:
    """Raise the administrators' mail-stalled alert, or clear it once mail flows, in its own transaction."""
    from webapp.monitoring.mail_flow import watch_mail_flow

    db.session.rollback()
    try:
        begin_write(db.session)
        change = watch_mail_flow(utc_now(), stalled_after)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("Whether mail has stalled could not be checked; it is checked again next pass", exc_info=True)
        return
    if change == "raised":
        log.warning("Mail has stalled: the administrators are alerted")
    elif change == "cleared":
        log.info("Mail is going out again: the administrators' alert is cleared")


def record_heartbeat(worker: str, started_at: datetime, pass_seconds: float) -> None:
    """This worker completed a pass (read by /ready), in a transaction of its own."""
    from webapp.monitoring.services import beat

    db.session.rollback()
    try:
        begin_write(db.session)
        beat(worker, started_at, utc_now(), pass_seconds)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("The worker's heartbeat could not be recorded; /ready reports it if that goes on")


def run_pass(mail: MailSettings, send=send_by_smtp, replies: ReplySettings | None = None, *,
             settings: Settings | None = None, stop: threading.Event | None = None,
             worker: str | None = None, started_at: datetime | None = None) -> PassResult:
    """One pass; with `replies`, the organizer mailbox is read too. Budgets and intervals come from `settings`
    (the app's by default). On SQLite, page views that keep the single write lock past the busy timeout end the
    pass early: nothing uncommitted is lost, and the next pass starts at once."""
    settings = settings or current_app.config["APP_SETTINGS"]
    began, began_at = time.monotonic(), utc_now()
    try:
        result = _run_pass(mail, send, replies, settings, stop)
    except OperationalError as error:
        if "database is locked" not in str(error.orig):
            raise
        db.session.rollback()
        log.warning("The database stayed busy past its timeout; the worker carries on with its next pass")
        return PassResult(documents_waiting=True)
    if not _stopping(stop):
        record_heartbeat(worker or worker_name(), started_at or began_at, time.monotonic() - began)
    return result


def _run_pass(mail: MailSettings, send, replies: ReplySettings | None, settings: Settings,
              stop: threading.Event | None) -> PassResult:
    result = PassResult()
    deadlines = DeadlineKeeper(settings.worker_interval_seconds, result, stop)
    rearm_deadlines(stop=stop)  # first: a moved deadline must not fire at its old time
    deadlines.fire()
    result.mail_attempts, result.mail_waiting = send_mail_within(
        mail, send, seconds=settings.worker_mail_budget_seconds, stop=stop, meanwhile=deadlines.fire_if_due_quietly)
    if _stopping(stop):
        return result
    deadlines.fire_if_due()
    if replies is not None:
        from webapp.meetings.mailbox import MailboxError

        try:
            result.replies_read = fetch_replies(replies, stop=stop, meanwhile=deadlines.fire_if_due_quietly)
        except MailboxError as error:  # the mailbox being away must not hold up timers or mail
            db.session.rollback()
            log.warning("%s", error)
        deadlines.fire_if_due()
    if _stopping(stop):
        return result
    seal_audit_trail()
    result.documents_rendered, result.documents_waiting = render_documents(
        settings=settings, stop=stop, meanwhile=deadlines.fire_if_due_quietly)
    if _stopping(stop):
        return result
    deadlines.fire_if_due()
    alert_overdue_visits(stop=stop)  # visits fall due by the day, counted from the plan: no timer holds them
    watch_mail(timedelta(minutes=settings.alert_mail_stalled_minutes))
    return result


def run_until_stopped(settings: Settings, stop: threading.Event) -> None:
    """Pass after pass, pausing between them, until `stop` is set (SIGTERM or Ctrl+C), which ends the pass under
    way within about a second; the organizer mailbox is read every `replies.poll_seconds` when an IMAP host is
    configured."""
    worker, started_at = worker_name(), utc_now()
    next_fetch = time.monotonic()
    while not stop.is_set():
        fetch_now = settings.replies.imap_configured and time.monotonic() >= next_fetch
        if fetch_now:
            next_fetch = time.monotonic() + settings.replies.poll_seconds
        try:
            result = run_pass(settings.mail, replies=settings.replies if fetch_now else None, settings=settings,
                              stop=stop, worker=worker, started_at=started_at)
        except Exception:
            db.session.rollback()
            log.exception("Worker pass failed; trying again")
            result = PassResult()
        finally:
            db.session.remove()
        if result.timers_fired or result.mail_attempts or result.replies_read or result.documents_rendered:
            log.info("Worker pass: %d timer(s) fired, %d mail attempt(s), %d calendar repl(ies) read, "
                     "%d document(s) rendered", result.timers_fired, result.mail_attempts, result.replies_read,
                     result.documents_rendered)
        stop.wait(0 if result.work_waiting else settings.worker_interval_seconds)


def _stopping(stop: threading.Event | None) -> bool:
    return stop is not None and stop.is_set()
