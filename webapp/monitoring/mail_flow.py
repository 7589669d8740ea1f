"""Whether mail is going out. When messages wait and none has been sent for a while, the administrators are
alerted (on every page and by e-mail, which goes out once mail flows again); the alert clears itself when a
message is sent after it was raised, or when nothing waits any more. The alert says how many messages wait and the
type of the last error, never a recipient, subject or the error's text."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.mail.models import OutboxMessage
from webapp.monitoring.services import clear_alert, last_dismissed_at, open_alert, raise_alert

MAIL_STALLED = "mail_stalled"  # the alert's kind and key: one such alert at a time
_ERROR_TYPE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


@dataclass(frozen=True)
class MailFlow:
    waiting: int  # neither sent nor given up on (those backing off after a failure included)
    oldest_waiting_at: datetime | None
    last_sent_at: datetime | None
    last_error: str | None  # the type of the error of the latest failed attempt among the waiting

    def stalled_since(self) -> datetime | None:
        """Since when nothing has gone out while mail waited; None when nothing waits."""
        if not self.waiting:
            return None
        if self.last_sent_at is None:
            return self.oldest_waiting_at
        return max(self.last_sent_at, self.oldest_waiting_at)


def read_mail_flow() -> MailFlow:
    waiting = (OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
    count, oldest = db.session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(*waiting)).one()
    last_sent = db.session.scalar(select(func.max(OutboxMessage.sent_at)))
    last_error = db.session.scalar(
        select(OutboxMessage.last_error).where(*waiting, OutboxMessage.last_error.is_not(None))
        .order_by(OutboxMessage.last_attempt_at.desc().nulls_last(), OutboxMessage.id.desc()).limit(1))
    return MailFlow(count, oldest, last_sent, error_type(last_error))


def error_type(last_error: str | None) -> str | None:
    """"TimeoutError: the mail server ..." -> "TimeoutError": the text after the type may quote the server."""
    match = _ERROR_TYPE.match(last_error or "")
    return match.group(0) if match else None


def watch_mail_flow(now: datetime, stalled_after: timedelta) -> str | None:
    """Raise or clear the mail_stalled alert as the outbox stands; returns "raised", "cleared" or None. An alert
    an administrator dismissed is raised again only once mail has stalled for `stalled_after` since. The caller
    commits."""
    flow = read_mail_flow()
    alert = open_alert(MAIL_STALLED)
    if alert is not None:
        flowing = flow.waiting == 0 or (flow.last_sent_at is not None and flow.last_sent_at > alert.raised_at)
        return "cleared" if flowing and clear_alert(MAIL_STALLED, now) else None
    since = flow.stalled_since()
    if since is None or now - since < stalled_after:
        return None
    dismissed = last_dismissed_at(MAIL_STALLED)
    if dismissed is not None and now - dismissed < stalled_after:
        return None
    minutes = int((now - since).total_seconds() // 60)
    message = (f"Mail has not gone out for {minutes} minutes: {flow.waiting} "
               f"message{'s' if flow.waiting != 1 else ''} waiting; the last error: {flow.last_error or 'none recorded'}")
    return "raised" if raise_alert(MAIL_STALLED, MAIL_STALLED, message, now) is not None else None
