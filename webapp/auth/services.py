"""Signing in and out, and people changing their own password."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from webapp.audit.services import Origin, record_event
from webapp.auth.models import User, UserSession
from webapp.auth.passwords import hash_password, password_problem, verify_password
from webapp.auth.sessions import PASSWORD_CHANGED, SIGNED_OUT, end_all_for_user, end_session
from webapp.auth.throttle import (LOCKED, SIGN_IN_FAILED, SignInLimits, blocked_until, normalise_username,
                                  wait_message)
from webapp.errors import InvalidInput
from webapp.extensions import db

WRONG_DETAILS = "Enter a correct username and password"


class SignInRefused(Exception):
    """Sign-in failed; the message is the same whatever the reason, except when throttled (it says how long)."""


def find_user_by_username(username: str) -> User | None:
    """The account with this username, case-insensitively."""
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def sign_in(username: str, password: str, *, origin: Origin, now: datetime, window_minutes: int,
            max_failures: int, max_failures_per_address: int) -> User:
    """Check the credentials, audit the attempt, and return the user; raise SignInRefused otherwise."""
    # max_failures stops one name at one address, max_failures_per_address one address (webapp/auth/throttle.py).
    typed = normalise_username(username)
    limits = SignInLimits(timedelta(minutes=window_minutes), max_failures, max_failures_per_address)
    until = blocked_until(typed, origin.ip_address, now=now, limits=limits)
    if until is not None:
        # No password check while stopped: the answer must not reveal a right guess, and it spares argon2's cost.
        record_event(SIGN_IN_FAILED, actor_label=typed, origin=origin, detail={"reason": LOCKED})
        raise SignInRefused(wait_message(until, now))

    user = find_user_by_username(typed)
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.is_active:
        reason = "unknown_user" if user is None else ("wrong_password" if not password_ok else "inactive")
        record_event(SIGN_IN_FAILED, actor_label=typed, origin=origin, detail={"reason": reason})
        raise SignInRefused(WRONG_DETAILS)

    record_event("auth.signed_in", actor=user, subject=user, origin=origin)
    return user


def sign_out(user: User, record: UserSession | None, *, origin: Origin, now: datetime,
             reason: str = SIGNED_OUT) -> None:
    """End the session's row and audit it (signed out, timed out when idle, or past its lifetime)."""
    if record is not None:
        end_session(record, reason, now=now)
    record_event("auth.signed_out", actor=user, subject=user, origin=origin, detail={"reason": reason})


def change_own_password(user: User, current_password: str, new_password: str, *, origin: Origin, now: datetime,
                        keep: UserSession | None = None) -> User:
    """Replace the user's password after checking the current one; their other sessions end (not `keep`)."""
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
    end_all_for_user(user.id, PASSWORD_CHANGED, now=now, keep=keep)
    record_event("auth.password_changed", actor=user, subject=user, origin=origin)
    return user
