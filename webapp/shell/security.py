"""Security headers with a per-request CSP nonce, session limits, and the forced password change."""
from __future__ import annotations

import secrets

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_login import current_user

from webapp.audit.services import Origin
from webapp.auth.services import sign_out
from webapp.auth.sessions import ENDED, IDLE_TIMEOUT, MISSING, REVOKED, SessionCheck, touch_due, touch_session
from webapp.columns import utc_now
from webapp.database import begin_write, begin_writes_early
from webapp.extensions import db

# The Flask session's entry holding the random key of the server-side session row (auth/sessions.py).
SESSION_KEY = "session_key"

# Pages a person who must change their password can still reach.
_OPEN_WHILE_PASSWORD_EXPIRED = {"auth.change_password", "auth.sign_out", "static"}


def request_origin() -> Origin:
    """Where the current request came from, for the audit trail."""
    return Origin(ip_address=request.remote_addr)


def acting_user():
    """The signed-in person as the User row services are given (not Flask-Login's proxy of it)."""
    return current_user._get_current_object()


def register_security(app: Flask) -> None:
    app.before_request(_set_nonce)
    app.before_request(_enforce_session_limits)
    app.before_request(_enforce_password_change)
    app.after_request(_add_security_headers)
    app.context_processor(lambda: {"cspNonce": g.get("csp_nonce", "")})


def _set_nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(18)


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


def _add_security_headers(response):
    nonce = g.get("csp_nonce", "")
    response.headers["Content-Security-Policy"] = "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if request.endpoint != "static":
        # Case records must not stay in shared or browser caches.
        response.headers["Cache-Control"] = "no-store"
    if app_settings().session_cookie_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def app_settings():
    from flask import current_app

    return current_app.config["APP_SETTINGS"]
