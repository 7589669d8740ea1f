"""Hostile input: JSON nested too deeply to read is a 400 answered in JSON, never a server error; so is a NUL
character anywhere in a request; no request log carries a query string's values, whatever characters they hold."""
import json
import logging
import socket
import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from tests.helpers import csrf_token, sign_in
from webapp import JsonLogFormatter
from webapp.api import tokens
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.demo import DEMO_PASSWORD

NESTED = "[" * 100_000
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def bearer(factory, db_session):
    _, token = tokens.create_personal_token(factory.user(Role.SOCIAL_WORKER), "tests", days=30,
                                            origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("path", ["/api/v1/referrals", "/api/v1/escalations", "/api/v1/cases/1/tasks/x"])
def test_deeply_nested_json_to_the_api_is_a_400_in_json(client, bearer, path):
    answer = client.post(path, data=NESTED, content_type="application/json", headers=bearer)
    assert answer.status_code == 400
    assert answer.is_json and answer.json["error"]


def test_deeply_nested_json_read_strictly_is_a_400_too(app):
    with app.test_request_context("/api/v1/referrals", method="POST", data=NESTED,
                                  content_type="application/json"):
        from flask import request
        from werkzeug.exceptions import BadRequest

        with pytest.raises(BadRequest):
            request.get_json()
        assert app.json.loads("[[1]]") == [[1]]


def test_deeply_nested_json_to_the_form_preview_is_a_400_in_json(client, partnership):
    sign_in(client, "po1", DEMO_PASSWORD)
    token = csrf_token(client.get("/processes/section17").text)
    answer = client.post("/processes/section17/form-preview", data={"schema": NESTED, "csrf_token": token},
                         headers={"X-CSRFToken": token})
    assert answer.status_code == 400
    assert answer.is_json and "nested too deeply" in answer.json["error"]
    fine = client.post("/processes/section17/form-preview", data={"schema": '{"type": "object"}',
                                                                  "csrf_token": token})
    assert fine.status_code == 200 and not fine.is_json


# Each request line carries values that must never reach a log: encoded and raw spaces, raw and %-encoded
# quotes (Werkzeug decodes %22 before logging), a plus for a space, and children's names.
REQUEST_LINES = [
    'GET /health?child=Leo%20Demochild&note=%22Sampleton%22&raw="Zebedee"&more=Quentin+Marsh HTTP/1.1',
    'GET /health?child=Mia Sampleton&x="Yolanda Frobisher HTTP/1.1',  # raw spaces: a malformed request line
    "GET /health?child=Baby Wilberforce",  # the last word is taken for the protocol version
]
SECRETS = ["Demochild", "Sampleton", "Zebedee", "Quentin", "Marsh", "Yolanda", "Frobisher", "Wilberforce"]


def _send(port: int, line: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(f"{line}\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        received = b""
        while chunk := connection.recv(65536):  # to the end: the server has logged the request by then
            received += chunk
    return received


def test_request_logs_carry_no_query_string_values_in_text_or_json(app, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, name="log-server", daemon=True)
    thread.start()
    try:
        answers = [_send(server.server_port, line) for line in REQUEST_LINES]
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert [answer.split(b" ", 2)[1] for answer in answers[:2]] == [b"200", b"400"]  # the third: no status line
    records = [r for r in caplog.records if r.name == "werkzeug" and "serving" not in r.getMessage().lower()]
    assert len(records) >= len(REQUEST_LINES)
    text_format = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    for record in records:
        outputs = [record.getMessage(), text_format.format(record), JsonLogFormatter().format(record)]
        outputs.append(json.loads(outputs[-1])["message"])
        for output in outputs:
            leaked = [value for value in SECRETS if value.lower() in output.lower()]
            assert not leaked, f"{leaked} in {output!r}"
    assert any('"GET /health?… HTTP/1.1" 200' in r.getMessage() for r in records)  # the path stays


def test_a_draft_form_nested_too_deeply_is_refused_and_nothing_is_saved(partnership):
    from webapp.errors import InvalidInput
    from webapp.processes import services
    from webapp.processes.models import ProcessDraft

    po1 = partnership.scalar(select(User).where(User.username == "po1"))
    _, version = services.editing(po1, "section17")
    forms = {key: json.dumps(schema) for key, schema in version.forms.items()}
    with pytest.raises(InvalidInput) as refused:
        services.save_draft(po1, "section17", version.diagrams, {**forms, "referral": "[" * 50_000},
                            origin=NO_ORIGIN, now=NOW)
    assert refused.value.field_errors == {"form:referral": "forms/referral.json is nested too deeply to read"}
    assert partnership.scalar(select(func.count(ProcessDraft.id))) == 0


@pytest.mark.parametrize("q", ["³", "CIN-²", "CIN-٣"])
def test_a_search_for_a_digit_int_cannot_read_is_an_answer_not_a_server_error(client, bearer, q):
    answer = client.get("/api/v1/cases", query_string={"q": q}, headers=bearer)
    assert answer.status_code == 200 and answer.is_json


@pytest.mark.parametrize("path", ["/api/v1/cases?q=Ava%00", "/api/v1/cases/1/steps/x%00y", "/api/v1/tasks?page=%00"])
def test_a_nul_character_in_an_api_address_is_a_400_in_json(client, bearer, path):
    """PostgreSQL refuses a NUL in text (the whole statement fails): found by the API's generated requests as a
    500 on PostgreSQL only. Refused before any view, on both databases, in the API's error shape."""
    answer = client.get(path, headers=bearer)
    assert answer.status_code == 400 and answer.is_json and "NUL" in answer.json["error"]


def test_a_nul_character_in_a_json_body_is_a_400_and_nothing_is_saved(client, bearer, db_session):
    from webapp.escalations.models import Escalation

    body = json.dumps({"immediate_risk": "no", "about": "case:1", "category": "threshold",
                       "description": "We disagree\u0000", "risk_now": "none", "outcome_sought": "a review"})
    answer = client.post("/api/v1/escalations", data=body, content_type="application/json", headers=bearer)
    assert answer.status_code == 400 and "NUL" in answer.json["error"]
    assert db_session.scalar(select(func.count(Escalation.id))) == 0


def test_a_nul_character_in_a_search_is_a_400_page(client, partnership):
    sign_in(client, "sw1", DEMO_PASSWORD)
    search = client.get("/cases", query_string={"q": "Ava\x00"})
    assert search.status_code == 400 and "a NUL character" in search.text


def test_a_nul_character_a_form_lets_through_is_a_400_not_a_server_error(client, partnership):
    """Form pages check their own fields (the referral names the field with a control character); a NUL that a
    page does not check reaches the database, and PostgreSQL's refusal is answered as bad input, nothing saved."""
    from webapp.api.models import ApiToken

    if partnership.bind.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite stores a NUL character")
    sign_in(client, "sw1", DEMO_PASSWORD)
    page = client.get("/account/api-tokens/")
    posted = client.post("/account/api-tokens/", data={"csrf_token": csrf_token(page.text), "name": "laptop\x00"})
    assert posted.status_code == 400 and "a NUL character" in posted.text
    assert partnership.scalar(select(func.count(ApiToken.id))) == 0
