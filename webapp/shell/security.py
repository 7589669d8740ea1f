"""Security headers with a per-request CSP nonce, idle timeout, and the forced password change."""
from __future__ import annotations

import secrets
import time

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_login import current_user, logout_user

from webapp.audit.services import Origin
from webapp.auth.services import sign_out
from webapp.extensions import db

# Pages a person who must change their password can still reach.
_OPEN_WHILE_PASSWORD_EXPIRED = {"auth.change_password", "auth.sign_out", "static"}


def request_origin() -> Origin:
    """Where the current request came from, for the audit trail."""
    return Origin(ip_address=request.remote_addr)


def register_security(app: Flask) -> None:
    app.before_request(_set_nonce)
    app.before_request(_enforce_idle_timeout)
    app.before_request(_enforce_password_change)
    app.after_request(_add_security_headers)
    app.context_processor(lambda: {"cspNonce": g.get("csp_nonce", "")})


def _set_nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(18)


def _enforce_idle_timeout():
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    idle_seconds = app_settings().session_idle_minutes * 60
    now = time.time()
    last_seen = session.get("last_seen")
    if last_seen is not None and now - last_seen > idle_seconds:
        user = current_user._get_current_object()
        logout_user()
        session.clear()
        sign_out(user, origin=request_origin(), reason="idle_timeout")
        db.session.commit()
        flash(f"You were signed out after {app_settings().session_idle_minutes} minutes without activity. "
              "Sign in again to continue.", "info")
        return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))
    session["last_seen"] = now
    return None


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
