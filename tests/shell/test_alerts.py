"""Administrators are told when mail stops going out: the worker raises an alert once messages have waited with
none sent for ALERT_MAIL_STALLED_MINUTES, e-mails it (references only) and shows it on every page to
administrators, and clears it when mail flows again. An administrator may dismiss it (audited); if mail is still
stuck, it is raised again later."""
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import free_port
from tests.factories import PASSWORD
from tests.helpers import csrf_token, sign_in
from webapp.audit.models import AuditEvent
from webapp.auth.roles import Role
from webapp.columns import utc_now
from webapp.config import MailSettings
from webapp.mail.models import OutboxMessage
from webapp.mail.services import queue_message
from webapp.monitoring.models import AdminAlert
from webapp.monitoring.services import ALERT_SUBJECT, raise_alert
from webapp.worker import run_pass

DOWN = "Mail has not gone out for {minutes} minutes: {waiting}; the last error: ConnectionRefusedError"


def refused() -> MailSettings:
    """A mail server that is not there: every connection is refused at once."""
    return replace(MailSettings(), port=free_port(), timeout_seconds=2, message_deadline_seconds=2)


def alerts(session) -> list[tuple]:
    session.expire_all()
    return [(a.kind, a.message, a.raised_at, a.cleared_at, a.cleared_by_id)
            for a in session.scalars(select(AdminAlert).order_by(AdminAlert.id))]


@pytest.fixture
def stuck_mail(committed_db, committed_factory, clock):
    """An administrator, and one notification queued at 09:00 that cannot be sent."""
    admin = committed_factory.user(Role.ADMINISTRATOR, username="admin1")
    queue_message("test", "gp@example.org", "Notification: case CIN-000001", "Sign in: {service_url}/")
    committed_db.commit()
    return admin


def test_mail_stalled_is_raised_after_the_setting_and_clears_when_mail_flows(app, committed_db, stuck_mail, clock,
                                                                            smtp_server):
    stalled_after = app.config["APP_SETTINGS"].alert_mail_stalled_minutes
    assert stalled_after == 30
    run_pass(refused())
    clock.shift(timedelta(minutes=29))
    run_pass(refused())  # the second attempt fails too, but mail has waited only 29 minutes
    assert alerts(committed_db) == []
    clock.shift(timedelta(minutes=2))
    run_pass(refused())
    raised_at = utc_now()
    assert alerts(committed_db) == [
        ("mail_stalled", DOWN.format(minutes=31, waiting="1 message waiting"), raised_at, None, None)]
    [notice] = committed_db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "admin_alert")).all()
    assert (notice.to_address, notice.subject) == ("admin1@example.org", ALERT_SUBJECT)
    assert "gp@example.org" not in notice.body_text and "CIN-000001" not in notice.body_text
    clock.shift(timedelta(minutes=5))
    run_pass(refused())  # still stuck: the open alert stays as it is, raised once
    assert [a[2:] for a in alerts(committed_db)] == [(raised_at, None, None)]
    clock.shift(timedelta(minutes=10))  # both messages are due again after their backoff
    run_pass(replace(MailSettings(), host=smtp_server.host, port=smtp_server.port))
    assert [a[2:] for a in alerts(committed_db)] == [(raised_at, utc_now(), None)]  # cleared by itself
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == ["admin1@example.org", "gp@example.org"]


def test_the_alert_clears_when_nothing_waits_any_more(app, committed_db, stuck_mail, clock):
    run_pass(refused())
    clock.shift(timedelta(minutes=31))
    run_pass(refused())
    assert len(alerts(committed_db)) == 1
    for message in committed_db.scalars(select(OutboxMessage)):
        message.failed_at = utc_now()  # given up on (the last attempt failed): nothing waits
    committed_db.commit()
    run_pass(refused())
    assert alerts(committed_db)[0][3] == utc_now()


def dismiss_button(page: str) -> str:
    start = page.index('action="/admin/alerts/')
    return page[start + len('action="'):page.index('"', start + len('action="'))]


def test_a_dismissed_alert_is_audited_and_raised_again_later(app, committed_db, stuck_mail, clock):
    run_pass(refused())
    clock.shift(timedelta(minutes=31))
    run_pass(refused())
    admin = app.test_client()
    sign_in(admin, "admin1", PASSWORD)
    page = admin.get("/").text
    response = admin.post(dismiss_button(page), data={"csrf_token": csrf_token(page), "next": "/admin/mail/"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/mail/"
    [(_, _, _, cleared_at, cleared_by)] = alerts(committed_db)
    assert (cleared_at, cleared_by) == (utc_now(), stuck_mail.id)
    [event] = committed_db.scalars(select(AuditEvent).where(AuditEvent.action == "alert.dismissed")).all()
    assert (event.actor_id, event.subject_type, event.detail) == (stuck_mail.id, "admin_alerts", {"kind": "mail_stalled"})
    assert "Service alert" not in admin.get("/").text
    clock.shift(timedelta(minutes=29))
    run_pass(refused())  # still stuck, but dismissed less than 30 minutes ago
    assert len(alerts(committed_db)) == 1
    clock.shift(timedelta(minutes=1))
    run_pass(refused())
    assert [(a[0], a[3]) for a in alerts(committed_db)] == [("mail_stalled", cleared_at), ("mail_stalled", None)]
    assert alerts(committed_db)[1][1] == DOWN.format(minutes=61, waiting="2 messages waiting")  # the first e-mail too


def test_the_banner_shows_to_administrators_only(app, db_session, factory):
    factory.user(Role.ADMINISTRATOR, username="admin1")
    factory.user(Role.SOCIAL_WORKER, username="sw9")
    raise_alert("document_failed", "document:7", "Document 7 (minutes, case CIN-000007) could not be rendered",
                utc_now())
    for username, shown in (("admin1", True), ("sw9", False)):
        client = app.test_client()
        sign_in(client, username, PASSWORD)
        page = client.get("/").text
        assert ("Document 7 (minutes, case CIN-000007) could not be rendered" in page) is shown
        assert ('aria-labelledby="service-alerts-title"' in page) is shown
        assert ("Dismiss" in page) is shown


def test_only_administrators_dismiss_and_only_back_to_this_site(app, db_session, factory):
    factory.user(Role.ADMINISTRATOR, username="admin1")
    factory.user(Role.SOCIAL_WORKER, username="sw9")
    alert = raise_alert("document_failed", "document:7", "Document 7 could not be rendered", utc_now())
    worker = app.test_client()
    sign_in(worker, "sw9", PASSWORD)
    token = csrf_token(worker.get("/").text)
    assert worker.post(f"/admin/alerts/{alert.id}/dismiss", data={"csrf_token": token}).status_code == 403
    db_session.expire_all()
    assert db_session.get(AdminAlert, alert.id).cleared_at is None
    admin = app.test_client()
    sign_in(admin, "admin1", PASSWORD)
    url = f"/admin/alerts/{alert.id}/dismiss"
    assert admin.post(url, data={"next": "/"}).status_code == 400  # no CSRF token
    token = csrf_token(admin.get("/").text)
    response = admin.post(url, data={"csrf_token": token, "next": "https://elsewhere.example/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db_session.expire_all()
    assert db_session.get(AdminAlert, alert.id).cleared_at is not None
    again = admin.post(url, data={"csrf_token": token, "next": "//elsewhere.example/"})
    assert again.status_code == 302 and again.headers["Location"] == "/"  # already cleared: nothing more happens
    assert "That alert had already cleared" in admin.get("/").text
