"""Signing in and out, and people changing their own password."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from webapp.audit.services import Origin, count_events_since, record_event
from webapp.auth.models import User
from webapp.auth.passwords import hash_password, password_problem, verify_password
from webapp.errors import InvalidInput
from webapp.extensions import db

SIGN_IN_FAILED = "auth.sign_in_failed"
WRONG_DETAILS = "Enter a correct username and password"


class SignInRefused(Exception):
    """Sign-in failed; the message is the same whatever the reason, except for a lockout."""


def find_user_by_username(username: str) -> User | None:
    """The account with this username, case-insensitively."""
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def sign_in(username: str, password: str, *, origin: Origin, now: datetime, window_minutes: int,
            max_failures: int, max_failures_per_address: int) -> User:
    """Check the credentials, audit the attempt, and return the user; raise SignInRefused otherwise."""
    typed = username.strip().lower()[:120]
    since = now - timedelta(minutes=window_minutes)
    if (count_events_since(SIGN_IN_FAILED, since, actor_label=typed) >= max_failures
            or count_events_since(SIGN_IN_FAILED, since, ip_address=origin.ip_address) >= max_failures_per_address):
        record_event(SIGN_IN_FAILED, actor_label=typed, origin=origin, detail={"reason": "locked"})
        raise SignInRefused(f"Too many failed attempts. Wait {window_minutes} minutes, then try again")

    user = find_user_by_username(typed)
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.is_active:
        reason = "unknown_user" if user is None else ("wrong_password" if not password_ok else "inactive")
        record_event(SIGN_IN_FAILED, actor_label=typed, origin=origin, detail={"reason": reason})
        raise SignInRefused(WRONG_DETAILS)

    record_event("auth.signed_in", actor=user, subject=user, origin=origin)
    return user


def sign_out(user: User, *, origin: Origin, reason: str = "signed_out") -> None:
    """Audit the end of a session (signed out, or timed out when idle)."""
    record_event("auth.signed_out", actor=user, subject=user, origin=origin, detail={"reason": reason})


def change_own_password(user: User, current_password: str, new_password: str, *, origin: Origin) -> User:
    """Replace the user's password after checking the current one; other sessions stop working."""
    errors = {}
    if not verify_password(user.password_hash, current_password):
        errors["current_password"] = "Enter your current password correctly"
    problem = password_problem(new_password, user.username)
    if problem:
        errors["new_password"] = problem
    elif verify_password(user.password_hash, new_password):
        errors["new_password"] = "Choose a password different from the current one"
    if errors:
        raise InvalidInput("The password was not changed", errors)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.session_epoch += 1
    record_event("auth.password_changed", actor=user, subject=user, origin=origin)
    return user
