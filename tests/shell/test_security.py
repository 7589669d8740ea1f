"""Security headers, CSRF refusal, idle timeout and error pages."""
import re
from datetime import timedelta

from sqlalchemy import select

from tests.helpers import csrf_token, sign_in
from webapp.audit.models import AuditEvent
from webapp import create_app
from webapp.auth.roles import Role


def test_every_page_carries_security_headers_and_a_fresh_nonce(client, db_session):
    first = client.get("/sign-in")
    second = client.get("/sign-in")
    csp = first.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "default-src 'self'" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert nonce != re.search(r"'nonce-([^']+)'", second.headers["Content-Security-Policy"]).group(1)
    # The one inline script (the template's js-enabled switch) carries this response's nonce.
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", first.text)
    assert inline_scripts and all(f'nonce="{nonce}"' in attrs for attrs in inline_scripts)
    for response in (first, client.get("/no-such-page")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        assert "OFFICIAL-SENSITIVE" in response.text


def test_session_cookie_is_http_only_and_same_site(client, db_session, factory):
    factory.user(Role.SOCIAL_WORKER, username="cookie")
    response = sign_in(client, "cookie")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, db_session, factory):
    factory.user(Role.SOCIAL_WORKER, username="nocsrf")
    response = client.post("/sign-in", data={"username": "nocsrf", "password": "correct-horse-battery"})
    assert response.status_code == 400
    assert "did not come from this service" in response.text
    assert client.get("/").status_code == 302  # still signed out
    assert db_session.scalars(select(AuditEvent).where(AuditEvent.actor_label == "nocsrf")).all() == []


def test_sign_out_without_csrf_token_keeps_the_session(client, db_session, factory):
    factory.user(Role.SOCIAL_WORKER, username="staysin")
    sign_in(client, "staysin")
    assert client.post("/sign-out").status_code == 400
    assert client.get("/").status_code == 200


def test_idle_session_ends_after_the_configured_minutes(app, client, db_session, factory, clock):
    factory.user(Role.SOCIAL_WORKER, username="idle")
    sign_in(client, "idle")
    idle = app.config["APP_SETTINGS"].session_idle_minutes
    clock.shift(timedelta(minutes=idle - 1))
    assert client.get("/").status_code == 200  # activity slides the window on
    clock.shift(timedelta(minutes=idle - 1))
    assert client.get("/").status_code == 200
    clock.shift(timedelta(minutes=idle, seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert "without activity" in client.get(response.headers["Location"]).text
    assert client.get("/").status_code == 302
    reasons = db_session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "auth.signed_out")).all()
    assert reasons == [{"reason": "idle_timeout"}]


def test_friendly_error_pages(client, db_session, factory):
    factory.user(Role.SOCIAL_WORKER, username="plain")
    sign_in(client, "plain")
    not_found = client.get("/no-such-page")
    assert not_found.status_code == 404 and "Page not found" in not_found.text
    forbidden = client.get("/admin/users")
    assert forbidden.status_code == 403 and "Only administrators" in forbidden.text
    token = csrf_token(client.get("/").text)
    assert client.delete("/", headers={"X-CSRFToken": token}).status_code == 405


def test_unexpected_errors_show_a_friendly_page_without_detail(app, db_session):
    app = create_app(settings=app.config["APP_SETTINGS"])

    @app.route("/test-explodes")
    def explodes():
        raise RuntimeError("internal detail that must not be shown")

    response = app.test_client().get("/test-explodes")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.text
    assert "internal detail" not in response.text
