"""Sign-in limits behind a proxy: the client's address is the one audited and throttled, and throttling stops
the attacker's address (for a name, or for spraying many names) without locking the real person out."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD
from tests.helpers import csrf_token
from webapp import create_app
from webapp.audit.models import AuditEvent
from webapp.auth.roles import Role
from webapp.auth.services import WRONG_DETAILS
from webapp.config import Settings
from webapp.extensions import db

PROXY = "127.0.0.1"  # gunicorn bound to loopback: every request arrives from the proxy
ATTACKER = "203.0.113.66"
POLICE_OFFICER = "198.51.100.7"
WRONG = "not-the-password"
STOPPED = "Too many failed attempts"


@pytest.fixture(scope="module")
def proxied_app(app):
    """The production shape: one trusted proxy (TRUSTED_PROXIES=1) in front of the app, on the test database."""
    settings = Settings.from_environment({"APP_ENV": "test", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                                          "TRUSTED_PROXIES": "1"})
    proxied = create_app(settings=settings)
    proxied.test_client_class = app.test_client_class
    yield proxied
    with proxied.app_context():
        db.engine.dispose()


def attempt(client, username: str, password: str = PASSWORD, *, remote: str = PROXY, forwarded_for: str | None = None):
    """One sign-in through the form, arriving from `remote`, carrying X-Forwarded-For when given."""
    token = csrf_token(client.get("/sign-in").text)
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/sign-in", data={"csrf_token": token, "username": username, "password": password},
                       headers=headers, environ_base={"REMOTE_ADDR": remote})


def from_client(client, address: str, username: str, password: str = PASSWORD):
    """An attempt by the browser at `address`, through the proxy (which appends that address to the header)."""
    return attempt(client, username, password, forwarded_for=address)


def _failed(db_session):
    return db_session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed")
                              .order_by(AuditEvent.id)).all()


def test_behind_a_trusted_proxy_the_audit_trail_records_the_client_address(proxied_app, db_session, factory, clock):
    factory.user(Role.AGENCY_PRACTITIONER, username="police1")
    client = proxied_app.test_client()
    # A client may put anything on the left of the header; with one proxy only the address it appended counts.
    assert attempt(client, "police1", WRONG, forwarded_for=f"10.9.9.9, {ATTACKER}").status_code == 401
    assert attempt(client, "police1", forwarded_for=POLICE_OFFICER).status_code == 302
    failed, = _failed(db_session)
    signed_in = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.signed_in")).one()
    assert (failed.ip_address, signed_in.ip_address) == (ATTACKER, POLICE_OFFICER)


def test_without_trusted_proxies_the_header_is_ignored_for_the_audit_and_the_limits(app, db_session, factory, clock):
    factory.user(Role.SOCIAL_WORKER, username="worker")
    client = app.test_client()
    limit = app.config["APP_SETTINGS"].login_max_failures
    for number in range(limit):  # a new made-up forwarded address every time: no way round the limit
        assert WRONG_DETAILS in attempt(client, "worker", WRONG, remote="192.0.2.50",
                                        forwarded_for=f"203.0.113.{number}").text
    assert STOPPED in attempt(client, "worker", remote="192.0.2.50", forwarded_for="203.0.113.200").text
    assert {row.ip_address for row in _failed(db_session)} == {"192.0.2.50"}
    # The stop belongs to the real remote address, so the person at another one still gets in.
    assert attempt(app.test_client(), "worker", remote="192.0.2.60", forwarded_for="192.0.2.50").status_code == 302


def test_spraying_made_up_names_from_one_client_does_not_lock_out_anyone_else(proxied_app, db_session, factory,
                                                                              clock):
    factory.user(Role.SOCIAL_WORKER, username="worker")
    attacker, worker = proxied_app.test_client(), proxied_app.test_client()
    limit = proxied_app.config["APP_SETTINGS"].login_max_failures_per_address
    for number in range(limit):
        assert WRONG_DETAILS in from_client(attacker, ATTACKER, f"made-up-{number}", WRONG).text
    assert STOPPED in from_client(attacker, ATTACKER, "worker").text  # the spraying address is stopped for every name
    assert from_client(worker, POLICE_OFFICER, "worker").status_code == 302
    assert {row.ip_address for row in _failed(db_session)} == {ATTACKER}


def test_wrong_passwords_from_an_attacker_do_not_stop_the_person_at_their_own_address(proxied_app, db_session,
                                                                                       factory, clock):
    factory.user(Role.AGENCY_PRACTITIONER, username="police1")
    attacker, officer = proxied_app.test_client(), proxied_app.test_client()
    # One name however it is typed: case and spaces do not give the attacker more guesses.
    for spelling in ["POLICE1 ", "police1", " Police1", "POLICE1", "police1  "]:
        assert WRONG_DETAILS in from_client(attacker, ATTACKER, spelling, WRONG).text
    refused = from_client(attacker, ATTACKER, "police1")  # even the right password, from the attacker's address
    assert refused.status_code == 401 and STOPPED in refused.text
    assert from_client(officer, POLICE_OFFICER, "POLICE1 ").status_code == 302
    clock.shift(timedelta(minutes=5))
    assert STOPPED in from_client(proxied_app.test_client(), ATTACKER, "police1").text  # the attacker stays stopped
    assert [(row.actor_label, row.ip_address) for row in _failed(db_session)] == [("police1", ATTACKER)] * 7


def test_attempts_while_stopped_are_audited_but_do_not_prolong_the_stop(app, db_session, factory, clock):
    factory.user(Role.SOCIAL_WORKER, username="worker")
    client = app.test_client()
    settings = app.config["APP_SETTINGS"]
    for _ in range(settings.login_max_failures):
        attempt(client, "worker", WRONG)
    for _ in range(settings.login_window_minutes - 1):  # keep trying every minute while stopped
        clock.shift(timedelta(minutes=1))
        assert STOPPED in attempt(client, "worker").text
    clock.shift(timedelta(minutes=1, seconds=1))
    assert attempt(client, "worker").status_code == 302
    reasons = [row.detail["reason"] for row in _failed(db_session)]
    stopped = settings.login_window_minutes - 1
    assert reasons == ["wrong_password"] * settings.login_max_failures + ["locked"] * stopped


def test_the_refusal_says_how_long_to_wait(app, db_session, factory, clock):
    factory.user(Role.SOCIAL_WORKER, username="worker")
    client = app.test_client()
    settings = app.config["APP_SETTINGS"]
    for _ in range(settings.login_max_failures):
        attempt(client, "worker", WRONG)
    assert f"Wait {settings.login_window_minutes} minutes, then try again" in attempt(client, "worker").text
    clock.shift(timedelta(minutes=5))
    assert f"Wait {settings.login_window_minutes - 5} minutes, then try again" in attempt(client, "worker").text
    clock.shift(timedelta(minutes=settings.login_window_minutes - 5, seconds=-30))
    assert "Wait 1 minute, then try again" in attempt(client, "worker").text


def test_a_name_attacked_from_many_addresses_still_opens_from_a_clean_address(proxied_app, db_session, factory,
                                                                               clock):
    factory.user(Role.AGENCY_PRACTITIONER, username="police1")
    attacker = proxied_app.test_client()
    botnet = [f"203.0.113.{number}" for number in range(proxied_app.config["APP_SETTINGS"]
                                                        .login_max_failures_per_address)]
    for address in botnet:  # one guess each, under the per-address and per-name-and-address limits
        assert WRONG_DETAILS in from_client(attacker, address, "police1", WRONG).text
    # Under such an attack an address that has already failed for the name waits out the window ...
    assert STOPPED in from_client(attacker, botnet[0], "police1", WRONG).text
    # ... while the real person, from an address with no recent failures, is never refused.
    assert from_client(proxied_app.test_client(), POLICE_OFFICER, "police1").status_code == 302
