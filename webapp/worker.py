"""The worker: fires due timers and sends queued mail, one unit per transaction, until stopped.
Any number of workers may run side by side on PostgreSQL; a worker killed mid-way loses nothing (what it had
not committed is done again by the next pass)."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from webapp.columns import utc_now
from webapp.config import MailSettings
from webapp.extensions import db
from webapp.mail.delivery import deliver_next, send_by_smtp
from webapp.workflow import runtime

log = logging.getLogger(__name__)


@dataclass
class PassResult:
    timers_fired: int = 0
    timers_failed: int = 0
    mail_attempts: int = 0


def fire_due_timers(limit: int = 1000) -> tuple[int, int]:
    """Fire every due timer once (each in its own transaction); returns (fired, failed)."""
    db.session.rollback()  # start clean: a transaction left open would hold an old snapshot (SQLite)
    fired, failed, seen = 0, 0, set()
    while fired + failed < limit:
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


def send_due_mail(settings: MailSettings, send=send_by_smtp, limit: int = 1000) -> int:
    """Try every message due, each in its own transaction; returns how many were tried."""
    db.session.rollback()
    tried = 0
    while tried < limit and deliver_next(utc_now(), settings, send):
        db.session.commit()
        tried += 1
    db.session.rollback()
    return tried


def rearm_deadlines(limit: int = 1000) -> int:
    """Work through requests to compute deadlines again (a setting or bank holiday changed), an instance at a
    time; returns how many steps were taken."""
    db.session.rollback()
    steps = 0
    while steps < limit and runtime.rearm_next(utc_now()):
        db.session.commit()
        steps += 1
    db.session.rollback()
    return steps


def run_pass(settings: MailSettings, send=send_by_smtp) -> PassResult:
    rearm_deadlines()
    fired, failed = fire_due_timers()
    return PassResult(fired, failed, send_due_mail(settings, send))


def run_until_stopped(settings: MailSettings, interval_seconds: int, stop: threading.Event) -> None:
    """Pass after pass, pausing between them, until `stop` is set (SIGTERM or Ctrl+C)."""
    while not stop.is_set():
        try:
            result = run_pass(settings)
        except Exception:
            db.session.rollback()
            log.exception("Worker pass failed; trying again")
            result = PassResult()
        finally:
            db.session.remove()
        if result.timers_fired or result.mail_attempts:
            log.info("Worker pass: %d timer(s) fired, %d mail attempt(s)", result.timers_fired, result.mail_attempts)
        stop.wait(interval_seconds)
