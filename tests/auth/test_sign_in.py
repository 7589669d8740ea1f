"""Signing in and out: the same message for every wrong detail, the throttle, and the audit rows."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tests.helpers import post_form, sign_in
from webapp.audit.models import AuditEvent
from webapp.auth.roles import Role
from webapp.auth.services import WRONG_DETAILS


def _audit(db_session, action):
    return db_session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_sign_in_and_out_are_audited_with_who_when_and_where(client, db_session, factory, clock):
    user = factory.user(Role.SOCIAL_WORKER, username="worker")
    response = sign_in(client, "Worker ")  # case and spaces do not matter
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Welcome, " + user.full_name in client.get("/").text
    post_form(client, "/sign-out", {}, page="/")
    assert client.get("/").status_code == 302
    signed_in, = _audit(db_session, "auth.signed_in")
    signed_out, = _audit(db_session, "auth.signed_out")
    for row in (signed_in, signed_out):
        assert row.actor_id == user.id and row.subject_type == "users" and row.subject_id == user.id
        assert row.ip_address == "127.0.0.1"
        assert row.occurred_at == datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # the frozen clock, aware


def test_wrong_password_unknown_user_and_deactivated_account_get_the_same_message(client, db_session, factory):
    factory.user(Role.SOCIAL_WORKER, username="known")
    factory.user(Role.SOCIAL_WORKER, username="gone", is_active=False)
    pages = [sign_in(client, "known", "not-the-password"), sign_in(client, "nobody-here"),
             sign_in(client, "gone")]
    for page in pages:
        assert page.status_code == 401
        assert WRONG_DETAILS in page.text
    reasons = [(row.actor_label, row.actor_id, row.detail["reason"]) for row in _audit(db_session, "auth.sign_in_failed")]
    assert reasons == [("known", None, "wrong_password"), ("nobody-here", None, "unknown_user"),
                       ("gone", None, "inactive")]


def test_repeated_failures_stop_that_username_at_that_address_for_the_window(app, client, db_session, factory, clock):
    # Was "lock the username": the limit now holds a name at one address only (tests/auth/test_sign_in_limits.py
    # shows the person at another address still gets in); every attempt here comes from the test client's address.
    factory.user(Role.SOCIAL_WORKER, username="target")
    settings = app.config["APP_SETTINGS"]
    for _ in range(settings.login_max_failures):
        assert WRONG_DETAILS in sign_in(client, "target", "guess-guess-guess").text
    locked = sign_in(client, "target")  # even the right password is refused now
    assert locked.status_code == 401 and "Too many failed attempts" in locked.text
    assert _audit(db_session, "auth.sign_in_failed")[-1].detail == {"reason": "locked"}
    clock.shift(timedelta(minutes=settings.login_window_minutes, seconds=1))
    assert sign_in(client, "target").status_code == 302


def test_many_failures_from_one_address_lock_that_address(app, client, db_session, factory):
    factory.user(Role.SOCIAL_WORKER, username="victim")
    limit = app.config["APP_SETTINGS"].login_max_failures_per_address
    for number in range(limit):
        sign_in(client, f"spray{number}", "guess-guess-guess")
    assert "Too many failed attempts" in sign_in(client, "victim").text


def test_next_parameter_only_redirects_within_the_service(client, db_session, factory):
    factory.user(Role.ADMINISTRATOR, username="nexter")
    response = post_form(client, "/sign-in?next=https://evil.example/", {"username": "nexter",
                                                                          "password": "correct-horse-battery"})
    assert response.headers["Location"] == "/"
    post_form(client, "/sign-out", {}, page="/")
    response = post_form(client, "/sign-in?next=/admin/users", {"username": "nexter",
                                                                 "password": "correct-horse-battery"})
    assert response.headers["Location"] == "/admin/users"


def test_pages_need_a_signed_in_user(client, db_session):
    for path in ("/", "/admin/users", "/admin/teams", "/admin/agencies/", "/admin/audit/", "/account/password"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
