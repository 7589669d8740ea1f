"""Queueing mail in the outbox; the worker sends it after commit (webapp/mail/delivery.py)."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid

from sqlalchemy import func, select

from webapp.audit.services import record_event
from webapp.auth.user_admin import require_administrator
from webapp.errors import NotFound
from webapp.extensions import db
from webapp.mail.models import OutboxMessage


def queue_message(kind: str, to_address: str, subject: str, body_text: str, *, case_id: int | None = None,
                  agency_id: int | None = None, raw_mime: str | None = None,
                  message_id: str | None = None) -> OutboxMessage:
    """Write a message to the outbox in the caller's transaction; nothing is sent for a change rolled back.
    `raw_mime` is a whole message built by the caller (with `message_id` as its Message-ID)."""
    message = OutboxMessage(kind=kind, to_address=to_address, subject=one_line(subject), body_text=body_text,
                            case_id=case_id, agency_id=agency_id, raw_mime=raw_mime,
                            message_id=message_id or new_message_id())
    db.session.add(message)
    db.session.flush()
    return message


def one_line(text: str) -> str:
    """Text safe for a mail header or a calendar name: control characters and line breaks become one space (a name
    stored as "Pat\r\nBcc: x@example.org" must neither add a header nor make building the message fail)."""
    return " ".join("".join(" " if unicodedata.category(c) in {"Cc", "Zl", "Zp"} else c for c in text).split())


def new_message_id() -> str:
    return make_msgid(domain="cin-workflow.local")


@dataclass(frozen=True)
class MailOverview:
    """What administrators need to see whether mail is going out, and why not. References and errors only,
    never a message's body."""

    waiting: int
    sent: int
    failed: int
    failed_messages: list[OutboxMessage]
    oldest_waiting_for: timedelta | None  # how long the oldest waiting message has waited
    waiting_after_failure: int  # waiting messages whose last attempt failed
    last_error: str | None  # the most recent failed attempt, waiting or given up
    last_error_at: datetime | None
    last_sent_at: datetime | None
    next_attempt_at: datetime | None  # the earliest a waiting message is due
    next_attempt_in: timedelta | None  # from now; zero when one is due already
    stalled_after: timedelta
    is_stalled: bool  # mail has waited longer than stalled_after and no worker has tried to send any since

    @property
    def is_failing(self) -> bool:
        """The latest attempt with a result failed: nothing has gone out since that error."""
        return self.last_error_at is not None and (self.last_sent_at is None
                                                   or self.last_error_at > self.last_sent_at)


def mail_overview(actor, *, now: datetime, stalled_after: timedelta) -> MailOverview:
    """Counts of waiting, sent and failed mail, how long the oldest has waited, the latest error and when the
    next attempt is due, and the messages the worker gave up on (administrators)."""
    require_administrator(actor)
    waiting = (OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
    unsent_error = (OutboxMessage.last_error.is_not(None), OutboxMessage.sent_at.is_(None),
                    OutboxMessage.last_attempt_at.is_not(None))
    count = func.count(OutboxMessage.id)
    oldest = db.session.scalar(select(func.min(OutboxMessage.created_at)).where(*waiting))
    latest_failure = db.session.execute(
        select(OutboxMessage.last_error, OutboxMessage.last_attempt_at).where(*unsent_error)
        .order_by(OutboxMessage.last_attempt_at.desc(), OutboxMessage.id.desc()).limit(1)).first()
    latest_attempt = db.session.scalar(select(func.max(OutboxMessage.last_attempt_at)))
    next_attempt_at = db.session.scalar(select(func.min(OutboxMessage.next_attempt_at)).where(*waiting))
    oldest_waiting_for = now - oldest if oldest else None
    return MailOverview(
        waiting=db.session.scalar(select(count).where(*waiting)),
        sent=db.session.scalar(select(count).where(OutboxMessage.sent_at.is_not(None))),
        failed=db.session.scalar(select(count).where(OutboxMessage.failed_at.is_not(None))),
        failed_messages=list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.failed_at.is_not(None))
                                                .order_by(OutboxMessage.failed_at.desc()).limit(200))),
        oldest_waiting_for=oldest_waiting_for,
        waiting_after_failure=db.session.scalar(select(count).where(*waiting,
                                                                    OutboxMessage.last_error.is_not(None))),
        last_error=latest_failure.last_error if latest_failure else None,
        last_error_at=latest_failure.last_attempt_at if latest_failure else None,
        last_sent_at=db.session.scalar(select(func.max(OutboxMessage.sent_at))),
        next_attempt_at=next_attempt_at,
        next_attempt_in=max(next_attempt_at - now, timedelta(0)) if next_attempt_at else None,
        stalled_after=stalled_after,
        is_stalled=(oldest_waiting_for is not None and oldest_waiting_for > stalled_after
                    and (latest_attempt is None or now - latest_attempt > stalled_after)),
    )


def describe_wait(delta: timedelta) -> str:
    """A wait as people say it: "2 hours 5 minutes", "3 days 4 hours", "less than a minute"."""
    minutes = int(delta.total_seconds() // 60)
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    parts = [(days, "day"), (hours, "hour")] + ([] if days else [(minutes, "minute")])
    said = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n]
    return " ".join(said) or "less than a minute"


def retry_message(actor, message_id: int, *, origin, now) -> OutboxMessage:
    """Send a failed message again from the next worker pass (attempts start again)."""
    require_administrator(actor)
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.failed_at is None:
        raise NotFound("There is no such failed message.")
    message.failed_at, message.attempts, message.next_attempt_at = None, 0, now
    record_event("mail.retried", actor=actor, subject=message, origin=origin)
    return message
