"""Before each request: end a session past its idle or absolute limit (signing the person out, audited), and send
someone whose password must change to the change-password page."""
from __future__ import annotations

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_login import current_user

from webapp.auth.services import sign_out
from webapp.auth.sessions import ENDED, IDLE_TIMEOUT, MISSING, REVOKED, SessionCheck, touch_due, touch_session
from webapp.columns import utc_now
from webapp.database import begin_write, begin_writes_early
from webapp.extensions import db
from webapp.shell.security import app_settings, request_origin

# The Flask session's entry holding the random key of the server-side session row (auth/sessions.py).
SESSION_KEY = "session_key"

# Pages a person who must change their password can still reach.
_OPEN_WHILE_PASSWORD_EXPIRED = {"auth.change_password", "auth.sign_out", "static"}


def register_session_guard(app: Flask) -> None:
    app.before_request(_enforce_session_limits)
    app.before_request(_enforce_password_change)


def current_session_check() -> SessionCheck | None:
    """What the user loader found for this request's session cookie (None when it named no one)."""
    return g.get("session_check")


def _enforce_session_limits():
    # current_user loads the user and checks the session row in one query (auth/views.py load_user).
    if request.endpoint == "static":
        return None
    signed_in = current_user.is_authenticated
    check = current_session_check()
    if check is None:
        return None
    now = utc_now()
    if signed_in:
        if touch_due(check.record, now=now):
            session_id = check.record.id
            _write_afresh()
            touch_session(session_id, now=now)
            db.session.commit()
            begin_writes_early()  # a POST goes on as the writer it began as
        return None
    if check.refusal == REVOKED:
        # An older session epoch on a live row: a request that raced the password change which keeps this very
        # session. Refuse it, but leave the row and the cookie to the response that moved the epoch on.
        return None
    session.clear()  # a refused session keeps nothing; login_required sends the person to sign in
    if check.refusal in (ENDED, MISSING):
        return None
    _write_afresh()
    sign_out(check.user, check.record, origin=request_origin(), now=now, reason=check.refusal)
    db.session.commit()
    settings = app_settings()
    if check.refusal == IDLE_TIMEOUT:
        flash(f"You were signed out after {settings.session_idle_minutes} minutes without activity. "
              "Sign in again to continue.", "info")
    else:
        flash(f"You were signed out because you had been signed in for {settings.session_max_hours} hours, "
              "the longest a session lasts. Sign in again to continue.", "info")
    come_back = request.full_path if request.method == "GET" and request.endpoint != "auth.sign_in" else None
    return redirect(url_for("auth.sign_in", next=come_back))


def _write_afresh() -> None:
    # On SQLite a transaction that read and then writes fails at once ("database is locked") when another writer
    # committed in between; ending the read and beginning as a writer waits for its turn instead.
    db.session.commit()
    begin_write(db.session)


def _enforce_password_change():
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in _OPEN_WHILE_PASSWORD_EXPIRED):
        return redirect(url_for("auth.change_password"))
    return None
