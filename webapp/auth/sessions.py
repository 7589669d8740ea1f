"""Server-side session records: a session is live only while its row says so, in every web process."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from webapp.audit.services import Origin
from webapp.auth.models import User, UserSession
from webapp.extensions import db

SIGNED_OUT = "signed_out"
IDLE_TIMEOUT = "idle_timeout"
EXPIRED = "expired"
PASSWORD_CHANGED = "password_changed"
PASSWORD_RESET = "password_reset"
DEACTIVATED = "deactivated"
# A live row under an older session epoch: a request racing the password change that keeps this session.
REVOKED = "revoked"
# Refusals without a row to end: the cookie names no live record.
MISSING = "missing"
ENDED = "ended"

# last_seen_at is written at most this often, so a busy session costs no write per request; the idle limit may
# therefore fall up to this much early.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionLimits:
    """How long a session may sit unused, and how long it may live however active."""

    idle: timedelta
    lifetime: timedelta


@dataclass
class SessionCheck:
    """The outcome of checking a cookie's session: the user and row when found, and why it is refused if it is."""

    user: User | None
    record: UserSession | None
    refusal: str | None = None

    @property
    def is_live(self) -> bool:
        return self.refusal is None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_session(user: User, *, origin: Origin, now: datetime) -> str:
    """Record a new session for the user and return its random key, for the cookie only (the row keeps a hash)."""
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_hash=_hash(key), created_at=now, last_seen_at=now,
                               ip_address=origin.ip_address))
    db.session.flush()
    return key


def check_session(user_id: int, epoch: int, key: str | None, *, now: datetime, limits: SessionLimits) -> SessionCheck:
    """Load the user and the session row in one query and say whether the session may go on."""
    if not key:
        return SessionCheck(None, None, MISSING)
    row = db.session.execute(
        select(User, UserSession).join(UserSession, UserSession.user_id == User.id)
        .where(User.id == user_id, UserSession.key_hash == _hash(key))
    ).first()
    if row is None:
        return SessionCheck(None, None, MISSING)
    user, record = row
    if record.ended_at is not None:
        return SessionCheck(user, record, ENDED)
    if not user.is_active or user.session_epoch != epoch:
        return SessionCheck(user, record, REVOKED)
    if now - record.created_at >= limits.lifetime:
        return SessionCheck(user, record, EXPIRED)
    if now - record.last_seen_at > limits.idle:
        return SessionCheck(user, record, IDLE_TIMEOUT)
    return SessionCheck(user, record)


def touch_due(record: UserSession, *, now: datetime) -> bool:
    """True when a live session's last activity is more than a minute old, so that it is worth writing."""
    return now - record.last_seen_at >= TOUCH_EVERY


def touch_session(session_id: int, *, now: datetime) -> None:
    """Note activity on a session (the caller commits)."""
    db.session.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now)
                       .execution_options(synchronize_session=False))


def end_session(record: UserSession, reason: str, *, now: datetime) -> None:
    """End one session with the reason (a row already ended keeps its first reason)."""
    if record.ended_at is None:
        record.ended_at = now
        record.end_reason = reason
        db.session.flush()


def end_all_for_user(user_id: int, reason: str, *, now: datetime, keep: UserSession | None = None) -> int:
    """End every live session of the person, except `keep` when given; returns how many were ended."""
    statement = (update(UserSession)
                 .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
                 .values(ended_at=now, end_reason=reason)
                 .execution_options(synchronize_session="fetch"))
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    return db.session.execute(statement).rowcount
