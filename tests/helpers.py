"""Small helpers for tests that drive the app through its test client."""
from __future__ import annotations

import re

from tests.factories import PASSWORD

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def post_form(client, url: str, data: dict, *, page: str | None = None):
    """Fetch the form page (or `page`) for its CSRF token, then post the data as a browser would."""
    token = csrf_token(client.get(page or url).text)
    return client.post(url, data={"csrf_token": token, **data})


def sign_in(client, username: str, password: str = PASSWORD):
    """Sign in through the real form; returns the response."""
    return post_form(client, "/sign-in", {"username": username, "password": password})


def signed_in(app, username: str, password: str | None = None):
    """A new browser signed in as the user (a demo account, by default with the demo password)."""
    from webapp.demo import DEMO_PASSWORD

    client = app.test_client()
    sign_in(client, username, password or DEMO_PASSWORD)
    return client


def deadline_pass() -> None:
    """The worker's own pass as far as deadlines go: re-arm what a setting moved, then fire what is due."""
    from webapp.worker import fire_due_timers, rearm_deadlines

    rearm_deadlines()
    fire_due_timers()


def received_by(smtp_server, address: str) -> list:
    """Every message the test SMTP server delivered to the address, as its recipient reads it:
    [(the message, [decoded text of each text part], the raw message as text)]."""
    from email import message_from_bytes, policy

    found = []
    for envelope in smtp_server.envelopes:
        if address in envelope.rcpt_tos:
            message = message_from_bytes(envelope.content, policy=policy.default)
            parts = [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]
            found.append((message, parts, envelope.content.decode("utf-8", "replace")))
    return found
