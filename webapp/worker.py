"""The worker: fires due timers, sends queued mail, reads calendar replies from the organizer mailbox (when
configured) and renders queued PDFs, one unit per transaction, until stopped.
Any number of workers may run side by side on PostgreSQL; a worker killed mid-way loses nothing (what it had
not committed is done again by the next pass)."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError

from webapp.columns import utc_now
from webapp.config import MailSettings, ReplySettings, Settings
from webapp.database import begin_write
from webapp.extensions import db
from webapp.mail.delivery import deliver_next, send_by_smtp
from webapp.workflow import runtime

log = logging.getLogger(__name__)
DOCUMENTS_PER_PASS = 1  # a 10-page render takes about a second: timers and mail wait no longer than one


@dataclass
class PassResult:
    timers_fired: int = 0
    timers_failed: int = 0
    mail_attempts: int = 0
    replies_read: int = 0
    documents_rendered: int = 0
    documents_waiting: bool = False  # more PDFs are queued: the next pass starts at once


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


def fetch_replies(settings: ReplySettings, limit: int = 500) -> int:
    """Take in each new message of the organizer mailbox in its own transaction, marking it processed only
    after its rows are committed: a crash in between reads it again, and its Message-ID makes that a duplicate
    that changes nothing. Returns how many messages were read."""
    from webapp.meetings.inbox import ingest_message
    from webapp.meetings.mailbox import open_mailbox

    db.session.rollback()
    read = 0
    with open_mailbox(settings) as mailbox:
        for uid, raw in mailbox.unprocessed(limit):
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


def render_documents(limit: int = DOCUMENTS_PER_PASS) -> tuple[int, bool]:
    """Render up to `limit` queued PDFs, each claimed in its own short transaction; returns (rendered, whether
    more may be waiting). One per pass by default: a render takes about a second, so timers and mail wait at
    most about that long, and the next pass starts at once while PDFs are waiting."""
    from webapp.documents.models import Document
    from webapp.documents.rendering import render_pdf
    from webapp.documents.services import claim_queued_document, document_html, fail_document, store_pdf

    db.session.rollback()
    rendered, tried = 0, set()
    while len(tried) < limit:
        document_id = claim_queued_document(utc_now(), tried)
        db.session.commit()
        if document_id is None:
            return rendered, False
        tried.add(document_id)  # a failure is tried again on a later pass, not at once
        try:
            html = document_html(db.session.get(Document, document_id))
            db.session.rollback()  # the render holds no transaction
            pdf = render_pdf(html)
            begin_write(db.session)
            store_pdf(db.session.get(Document, document_id), pdf, utc_now())
            db.session.commit()
            rendered += 1
        except Exception as error:
            db.session.rollback()
            log.exception("Document %s could not be rendered; it is tried again", document_id)
            fail_document(document_id, error)
            db.session.commit()
    return rendered, True


def seal_audit_trail() -> int:
    """Seal the audit rows committed since the last pass into the hash chain."""
    from webapp.audit.chain import seal_pending

    db.session.rollback()
    sealed = seal_pending()
    db.session.commit()
    return sealed


def run_pass(settings: MailSettings, send=send_by_smtp, replies: ReplySettings | None = None) -> PassResult:
    """One pass; with `replies`, the organizer mailbox is read too. On SQLite, page views that keep the single
    write lock past the busy timeout end the pass early: nothing uncommitted is lost, and the next pass starts
    at once."""
    try:
        return _run_pass(settings, send, replies)
    except OperationalError as error:
        if "database is locked" not in str(error.orig):
            raise
        db.session.rollback()
        log.warning("The database stayed busy past its timeout; the worker carries on with its next pass")
        return PassResult(documents_waiting=True)


def _run_pass(settings: MailSettings, send, replies: ReplySettings | None) -> PassResult:
    rearm_deadlines()
    fired, failed = fire_due_timers()
    read = 0
    if replies is not None:
        from webapp.meetings.mailbox import MailboxError

        try:
            read = fetch_replies(replies)
        except MailboxError as error:  # the mailbox being away must not hold up timers or mail
            db.session.rollback()
            log.warning("%s", error)
    mail = send_due_mail(settings, send)
    seal_audit_trail()
    rendered, waiting = render_documents()
    return PassResult(fired, failed, mail, read, rendered, waiting)


def run_until_stopped(settings: Settings, stop: threading.Event) -> None:
    """Pass after pass, pausing between them, until `stop` is set (SIGTERM or Ctrl+C); the organizer mailbox
    is read every `replies.poll_seconds` when an IMAP host is configured."""
    next_fetch = time.monotonic()
    while not stop.is_set():
        fetch_now = settings.replies.imap_configured and time.monotonic() >= next_fetch
        if fetch_now:
            next_fetch = time.monotonic() + settings.replies.poll_seconds
        try:
            result = run_pass(settings.mail, replies=settings.replies if fetch_now else None)
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
        stop.wait(0 if result.documents_waiting else settings.worker_interval_seconds)
