"""The administrators' mail page says when mail is not going out and why: the error and when it happened, how
long the oldest message has waited, how many have failed an attempt, when the worker tries again; and says
nothing is wrong when mail flows."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from tests.conftest import free_port
from tests.helpers import signed_in
from webapp.demo import seed_demo
from webapp.mail.services import describe_wait, queue_message
from webapp.worker import send_due_mail

BODY = "Sign in to see the referral: {service_url}/cases/1"


@pytest.fixture
def administrators(committed_db):
    seed_demo(committed_db)  # the demo administrator is "admin"
    committed_db.commit()


@pytest.fixture
def settings(app):
    return replace(app.config["APP_SETTINGS"].mail, host="127.0.0.1", max_attempts=8)


def queue(session, count):
    for n in range(count):
        queue_message("test", f"gp{n}@example.org", f"Notification {n}: case CIN-00000{n}", BODY)
    session.commit()


def mail_page(app) -> str:
    page = signed_in(app, "admin").get("/admin/mail/")
    assert page.status_code == 200
    return page.text


def test_an_outage_shows_the_error_the_oldest_wait_and_the_next_attempt(app, committed_db, administrators,
                                                                        settings, clock):
    queue(committed_db, 3)  # at 09:00
    clock.shift(timedelta(hours=2, minutes=5))
    assert send_due_mail(replace(settings, port=free_port())) == 3  # nobody listens there: refused
    page = mail_page(app)
    assert "Mail is not going out: ConnectionRefusedError" in page
    assert "The last attempt failed at 2 Mar 2026 11:05" in page
    assert "3 waiting; the oldest for 2 hours 5 minutes" in page
    assert "The worker tries again at 2 Mar 2026 11:06 (in 1 minute)" in page
    assert summary(page, "Oldest waiting") == "2 hours 5 minutes"
    assert summary(page, "Waiting after a failed attempt") == "3"
    assert summary(page, "Next attempt") == "2 Mar 2026 11:06 (in 1 minute)"
    assert summary(page, "Most recent error").startswith("ConnectionRefusedError: ")
    assert summary(page, "Most recent error").endswith("(2 Mar 2026 11:05)")
    assert summary(page, "Last sent") == "Nothing sent yet"
    assert "Sign in to see the referral" not in page  # no message bodies


def test_the_page_says_nothing_is_wrong_when_mail_flows(app, committed_db, administrators, settings, smtp_server,
                                                        clock):
    queue(committed_db, 2)
    assert send_due_mail(replace(settings, port=smtp_server.port)) == 2 and len(smtp_server.envelopes) == 2
    page = mail_page(app)
    assert "Mail is not going out" not in page and "govuk-notification-banner" not in page
    assert "Mail is going out: the last message was sent at 2 Mar 2026 09:00" in page
    assert summary(page, "Waiting to be sent") == "0" and summary(page, "Sent") == "2"
    assert summary(page, "Most recent error") == "None"


def test_the_warning_goes_once_mail_goes_out_again(app, committed_db, administrators, settings, smtp_server, clock):
    queue(committed_db, 2)
    send_due_mail(replace(settings, port=free_port()))
    assert "Mail is not going out" in mail_page(app)
    clock.shift(timedelta(minutes=1))
    assert send_due_mail(replace(settings, port=smtp_server.port)) == 2
    page = mail_page(app)
    assert "Mail is not going out" not in page and summary(page, "Most recent error") == "None"


def test_a_message_refused_after_others_went_out_is_still_reported(app, committed_db, administrators, settings,
                                                                   smtp_server, clock):
    """The latest attempt decides: an error newer than the last message sent means mail is not going out."""
    queue(committed_db, 1)
    send_due_mail(replace(settings, port=smtp_server.port))
    clock.shift(timedelta(minutes=10))
    queue(committed_db, 1)
    send_due_mail(replace(settings, port=free_port()))
    page = mail_page(app)
    assert "Mail is not going out: ConnectionRefusedError" in page
    assert "Nothing has been sent since 2 Mar 2026 09:00" in page
    assert summary(page, "Waiting after a failed attempt") == "1"


def test_waiting_mail_no_worker_tries_is_reported(app, committed_db, administrators, clock):
    queue(committed_db, 1)
    clock.shift(timedelta(minutes=app.config["APP_SETTINGS"].alert_mail_stalled_minutes + 1))
    page = mail_page(app)
    assert "Mail is not going out: no worker has tried to send it" in page
    assert summary(page, "Next attempt") == "On the worker&#39;s next pass"


def test_given_up_mail_stays_listed_with_its_error(app, committed_db, administrators, settings, clock):
    queue(committed_db, 1)
    down = replace(settings, port=free_port(), max_attempts=2)
    for _ in range(2):
        send_due_mail(down)
        clock.shift(timedelta(hours=1))
    page = mail_page(app)
    assert "Notification 0: case CIN-000000" in page and "2 attempts, gave up" in page
    assert summary(page, "Failed") == "1" and summary(page, "Waiting to be sent") == "0"
    assert "Mail is not going out: ConnectionRefusedError" in page  # nothing has gone out since


@pytest.mark.parametrize("wait, said", [
    (timedelta(seconds=59), "less than a minute"),
    (timedelta(minutes=1), "1 minute"),
    (timedelta(hours=2, minutes=5, seconds=30), "2 hours 5 minutes"),
    (timedelta(hours=1), "1 hour"),
    (timedelta(days=3, hours=4, minutes=9), "3 days 4 hours"),
])
def test_waits_are_said_as_people_say_them(wait, said):
    assert describe_wait(wait) == said


def summary(page: str, key: str) -> str:
    """The value beside `key` in the page's summary list, its whitespace collapsed."""
    import re

    match = re.search(r'<dt class="govuk-summary-list__key">\s*' + re.escape(key) +
                      r'\s*</dt>\s*<dd class="govuk-summary-list__value">(.*?)</dd>', page, re.S)
    assert match, f"no {key!r} row on the page"
    return " ".join(match.group(1).split())
