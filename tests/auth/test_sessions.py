"""Sessions end on the server: sign-out, the idle limit and the lifetime hold against a replayed cookie."""
from datetime import datetime, timedelta, timezone

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers
from tests.conftest import IsolatedClient
from tests.helpers import post_form, sign_in
from webapp import create_app
from webapp.audit.models import AuditEvent
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User, UserSession
from webapp.auth.roles import Role
from webapp.auth.sessions import create_session
from webapp.config import RETIRED_DEVELOPMENT_KEYS, Settings
from webapp.demo import DEMO_PASSWORD
from webapp.extensions import db
from webapp.auth.session_guard import SESSION_KEY

COOKIE = "cin_session"
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # the clock fixture's Monday morning


def cookie_of(client) -> str:
    """The session cookie as the browser holds it now."""
    return client.get_cookie(COOKIE).value


def replay(app, cookie: str):
    """A new browser that carries nothing but the copied cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, cookie)
    return other


def refused(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def sessions_of(session, user) -> list[UserSession]:
    session.expire_all()
    return list(session.scalars(select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)))


def sign_out_reasons(session) -> list[str]:
    return [d["reason"] for d in session.scalars(select(AuditEvent.detail)
                                                 .where(AuditEvent.action == "auth.signed_out")
                                                 .order_by(AuditEvent.id))]


@pytest.fixture
def second_app(app):
    """Another web process on the same database with the same settings (as a second gunicorn worker is)."""
    built = []

    def build(settings: Settings | None = None):
        other = create_app(settings=settings or app.config["APP_SETTINGS"])
        other.test_client_class = IsolatedClient
        built.append(other)
        return other

    yield build
    for other in built:
        with other.app_context():
            db.engine.dispose()


def test_a_cookie_replayed_after_sign_out_cannot_open_the_case(app, client, partnership):
    worker = partnership.scalar(select(User).where(User.username == "sw1"))
    case = open_case(worker, referral_answers())
    partnership.commit()
    sign_in(client, "sw1", DEMO_PASSWORD)
    assert client.get(f"/cases/{case.id}").status_code == 200
    copied = cookie_of(client)
    assert replay(app, copied).get(f"/cases/{case.id}").status_code == 200  # the copy works while signed in
    post_form(client, "/sign-out", {}, page="/")
    assert refused(replay(app, copied).get(f"/cases/{case.id}"))
    assert refused(replay(app, copied).get("/"))
    row, = sessions_of(partnership, worker)
    assert row.end_reason == "signed_out" and row.ended_at is not None
    assert sign_out_reasons(partnership) == ["signed_out"]


def test_a_cookie_left_unused_after_sign_in_ends_at_the_idle_limit(app, client, db_session, factory, clock):
    user = factory.user(Role.SOCIAL_WORKER, username="unused")
    sign_in(client, "unused")
    copied = cookie_of(client)  # from the sign-in response, never used for a page
    idle = app.config["APP_SETTINGS"].session_idle_minutes
    clock.shift(timedelta(minutes=idle, seconds=1))
    thief = replay(app, copied)
    response = thief.get("/")
    assert refused(response)
    assert f"signed out after {idle} minutes without activity" in thief.get(response.headers["Location"]).text
    assert refused(replay(app, copied).get("/"))
    row, = sessions_of(db_session, user)
    assert row.end_reason == "idle_timeout" and row.ended_at == START + timedelta(minutes=idle, seconds=1)
    assert sign_out_reasons(db_session) == ["idle_timeout"]


def test_a_session_active_every_few_minutes_still_ends_after_its_lifetime(app, client, db_session, factory, clock):
    user = factory.user(Role.SOCIAL_WORKER, username="busy")
    sign_in(client, "busy")
    hours = app.config["APP_SETTINGS"].session_max_hours
    assert hours == 12  # the default
    while datetime.now(timezone.utc) < START + timedelta(hours=hours) - timedelta(minutes=10):
        clock.shift(timedelta(minutes=10))
        assert client.get("/").status_code == 200
    clock.shift(timedelta(minutes=10))
    response = client.get("/")
    assert refused(response)
    assert f"signed in for {hours} hours" in client.get(response.headers["Location"]).text
    row, = sessions_of(db_session, user)
    assert row.end_reason == "expired"
    assert sign_out_reasons(db_session) == ["expired"]
    assert sign_in(client, "busy").status_code == 302 and client.get("/").status_code == 200  # a new session


def test_activity_is_written_at_most_once_a_minute(client, db_session, factory, clock):
    user = factory.user(Role.SOCIAL_WORKER, username="toucher")
    sign_in(client, "toucher")
    clock.shift(timedelta(seconds=30))
    assert client.get("/").status_code == 200
    row, = sessions_of(db_session, user)
    assert row.created_at == row.last_seen_at == START  # not rewritten within the minute
    clock.shift(timedelta(seconds=31))
    assert client.get("/").status_code == 200
    row, = sessions_of(db_session, user)
    assert row.last_seen_at == START + timedelta(seconds=61) and row.ended_at is None


def test_a_replayed_cookie_works_in_another_web_process_until_signed_out(app, client, committed_factory,
                                                                       committed_db, second_app):
    user = committed_factory.user(Role.SOCIAL_WORKER, username="twoproc")
    other = second_app()
    sign_in(client, "twoproc")
    copied = cookie_of(client)
    assert replay(other, copied).get("/").status_code == 200
    post_form(client, "/sign-out", {}, page="/")
    assert refused(replay(other, copied).get("/"))
    assert [row.end_reason for row in sessions_of(committed_db, user)] == ["signed_out"]


def test_a_password_reset_by_an_administrator_ends_the_persons_other_browser(app, db_session, factory):
    person = factory.user(Role.SOCIAL_WORKER, username="forgetful")
    factory.user(Role.ADMINISTRATOR, username="helpdesk")
    browser, admin = app.test_client(), app.test_client()
    sign_in(browser, "forgetful")
    copied = cookie_of(browser)
    sign_in(admin, "helpdesk")
    assert post_form(admin, f"/admin/users/{person.id}/reset-password", {}, page="/").status_code == 200
    assert refused(browser.get("/"))
    assert refused(replay(app, copied).get("/"))
    assert [row.end_reason for row in sessions_of(db_session, person)] == ["password_reset"]
    assert admin.get("/").status_code == 200  # the administrator's own session goes on


def test_deactivation_ends_every_session_of_the_person(app, db_session, factory):
    person = factory.user(Role.SOCIAL_WORKER, username="leaver")
    factory.user(Role.ADMINISTRATOR, username="manager")
    laptop, phone, admin = app.test_client(), app.test_client(), app.test_client()
    sign_in(laptop, "leaver")
    sign_in(phone, "leaver")
    sign_in(admin, "manager")
    assert post_form(admin, f"/admin/users/{person.id}/deactivate", {}, page="/").status_code == 302
    assert refused(laptop.get("/")) and refused(phone.get("/"))
    assert [row.end_reason for row in sessions_of(db_session, person)] == ["deactivated", "deactivated"]


def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(app, db_session, factory):
    person = factory.user(Role.SOCIAL_WORKER, username="changer")
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, "changer")
    sign_in(elsewhere, "changer")
    changed = post_form(here, "/account/password", {"current_password": "correct-horse-battery",
                                                    "new_password": "a-new-and-long-passphrase"})
    assert changed.status_code == 302
    assert here.get("/").status_code == 200
    assert refused(elsewhere.get("/"))
    kept, ended = sessions_of(db_session, person)
    assert kept.ended_at is None and ended.end_reason == "password_changed"


def test_a_cookie_forged_with_the_retired_development_key_signs_no_one_in(committed_factory, committed_db,
                                                                         second_app, app):
    admin = committed_factory.user(Role.ADMINISTRATOR, username="forgedadmin")
    # Even a live session key in the forged cookie gets nowhere: the signature is what is refused.
    key = create_session(admin, origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    committed_db.commit()
    development = second_app(Settings.from_environment({
        "APP_ENV": "development", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}))
    assert development.config["APP_SETTINGS"].environment == "development"
    payload = {"_user_id": admin.get_id(), "_fresh": True, SESSION_KEY: key}
    forger = Flask("forger")
    forger.secret_key, = RETIRED_DEVELOPMENT_KEYS
    forged = SecureCookieSessionInterface().get_signing_serializer(forger).dumps(payload)
    assert refused(replay(development, forged).get("/"))
    assert refused(replay(development, forged).get("/admin/users"))
    # The same payload signed with the installation's own key does sign in: the forgery fails on the key alone.
    genuine = SecureCookieSessionInterface().get_signing_serializer(development).dumps(payload)
    assert replay(development, genuine).get("/").status_code == 200
