"""What every page's code needs of the request: who is acting, where the request came from, and the security
headers with a per-request CSP nonce. The session limits and the forced password change are auth's
(webapp/auth/session_guard.py)."""
from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, g, request
from flask_login import current_user


@dataclass(frozen=True)
class Origin:
    """Where a request came from, passed by views to services that audit."""

    ip_address: str | None = None


def request_origin() -> Origin:
    """Where the current request came from, for the audit trail."""
    return Origin(ip_address=request.remote_addr)


def acting_user():
    """The signed-in person as the User row services are given (not Flask-Login's proxy of it)."""
    return current_user._get_current_object()


def register_security(app: Flask) -> None:
    app.before_request(_set_nonce)
    app.after_request(_add_security_headers)
    app.context_processor(lambda: {"cspNonce": g.get("csp_nonce", "")})


def _set_nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(18)


def allow_style_attributes(styles: Iterable[str]) -> None:
    """Let this response's page carry inline style attributes with exactly these contents, allowed by their
    hashes (CSP has no nonce for attributes), for a library that writes them into its markup; never
    'unsafe-inline'."""
    g.csp_style_attributes = tuple(styles)


def _style_hash(style: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() + "'"


def _add_security_headers(response):
    nonce = g.get("csp_nonce", "")
    styles = g.get("csp_style_attributes", ())
    response.headers["Content-Security-Policy"] = "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'",
        *([f"style-src-attr 'unsafe-hashes' {' '.join(_style_hash(style) for style in styles)}"] if styles else []),
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
