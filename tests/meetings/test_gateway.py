"""The mail gateway's endpoint: off without a configured secret, refuses a request without the right secret
(nothing stored), takes in the raw message with it; no session or CSRF token is involved."""
from dataclasses import replace
import pytest
from sqlalchemy import func, select

from tests.meetings import clients
from tests.meetings.test_links import NOW, convened_meeting
from webapp.meetings.models import CalendarReply

SECRET = "s" * 40
URL = "/mail-gateway/calendar-replies"


@pytest.fixture
def gateway_secret(app):
    original = app.config["APP_SETTINGS"]
    app.config["APP_SETTINGS"] = replace(original, replies=replace(original.replies, gateway_secret=SECRET))
    yield SECRET
    app.config["APP_SETTINGS"] = original


@pytest.fixture
def reply(app, partnership_committed, clock):
    meeting = convened_meeting(partnership_committed)
    invitee = next(i for i in meeting.current_invitees if i.kind == "staff")
    return invitee, clients.outlook(meeting.uid, invitee.email, invitee.name, stamp=NOW)


def stored(session) -> int:
    session.rollback()
    return session.scalar(select(func.count(CalendarReply.id)))


def test_the_endpoint_is_off_without_a_configured_secret(client, reply, partnership_committed):
    assert client.post(URL, data=reply[1], headers={"Authorization": "Bearer "}).status_code == 404
    assert stored(partnership_committed) == 0


@pytest.mark.parametrize("authorization", [None, "Bearer ", "Bearer wrong-secret", f"Basic {SECRET}x"])
def test_a_request_without_the_secret_is_refused_and_nothing_is_stored(client, gateway_secret, reply,
                                                                       partnership_committed, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.post(URL, data=reply[1], headers=headers, content_type="message/rfc822")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    assert stored(partnership_committed) == 0


def test_a_request_with_the_secret_is_taken_in(client, gateway_secret, reply, partnership_committed):
    invitee, raw = reply
    response = client.post(URL, data=raw, headers={"Authorization": f"Bearer {SECRET}"},
                           content_type="message/rfc822")
    assert response.status_code == 202 and response.json == {"received": 1, "outcomes": ["recorded"]}
    assert stored(partnership_committed) == 1
    row = partnership_committed.scalars(select(CalendarReply)).one()
    assert (row.via, row.raw, row.invitee.answer) == ("gateway", raw, "accepted")
    empty = client.post(URL, data=b"", headers={"Authorization": f"Bearer {SECRET}"})
    assert empty.status_code == 400 and stored(partnership_committed) == 1
