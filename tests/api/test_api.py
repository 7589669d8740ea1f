"""The API: the same services and rules as the pages behind a bearer token; no token (or a revoked one, or a
deactivated account) gets 401, a browser session is never enough; errors are JSON with field detail."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers, start_assessment
from tests.helpers import sign_in
from webapp.api import tokens
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.demo import DEMO_PASSWORD
from webapp.errors import PermissionDenied

ENDPOINTS = [("get", "/api/v1/cases"), ("get", "/api/v1/cases/1"), ("post", "/api/v1/referrals"),
             ("get", "/api/v1/tasks"), ("get", "/api/v1/cases/1/tasks/x"), ("post", "/api/v1/cases/1/tasks/x"),
             ("get", "/api/v1/cases/1/meetings"), ("get", "/api/v1/escalations"), ("post", "/api/v1/escalations"),
             ("get", "/api/v1/escalations/1")]


NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def user(session, name) -> User:
    return session.scalar(select(User).where(User.username == name))


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def sw1_token(app, partnership, clock):
    _, token = tokens.create_personal_token(user(partnership, "sw1"), "tests", days=90, origin=NO_ORIGIN, now=NOW)
    partnership.commit()
    return token


@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_every_endpoint_refuses_a_request_without_a_token_even_with_a_session(client, partnership, method, path):
    assert getattr(client, method)(path, json={}).status_code == 401
    sign_in(client, "sw1", DEMO_PASSWORD)  # a browser session cannot be borrowed
    response = getattr(client, method)(path, json={})
    assert response.status_code == 401 and response.json["error"].startswith("A valid API token is required")
    assert getattr(client, method)(path, json={}, headers=bearer("cin_not-a-real-token")).status_code == 401


def test_a_social_worker_s_token_reads_and_works_their_cases(client, partnership, sw1_token):
    sw1, tm1 = user(partnership, "sw1"), user(partnership, "tm1")
    made = client.post("/api/v1/referrals", json={"answers": referral_answers(given="Api", family="Democase")},
                       headers=bearer(sw1_token))
    assert made.status_code == 201 and made.json["reference"].startswith("CIN-")
    bad = client.post("/api/v1/referrals", json={"answers": {"child_given_names": 7}}, headers=bearer(sw1_token))
    assert bad.status_code == 400 and "child_family_name" in bad.json["fields"]
    listed = client.get("/api/v1/cases?q=democase", headers=bearer(sw1_token)).json
    assert [item["reference"] for item in listed["items"]] == [made.json["reference"]]
    case = client.get(f"/api/v1/cases/{made.json['id']}", headers=bearer(sw1_token)).json
    assert case["child"]["given_names"] == "Api" and case["open_steps"][0]["name"] == "Decide on the referral"

    _, manager_token = tokens.create_personal_token(tm1, "tm", days=90, origin=NO_ORIGIN, now=NOW)
    partnership.commit()
    task_id = case["open_steps"][0]["task_id"]
    task = client.get(f"/api/v1/cases/{case['id']}/tasks/{task_id}", headers=bearer(manager_token)).json
    assert "decision" in task["form"]["properties"]
    refused = client.post(f"/api/v1/cases/{case['id']}/tasks/{task_id}", json={"answers": {"decision": "maybe"}},
                          headers=bearer(manager_token))
    assert refused.status_code == 400 and "decision" in refused.json["fields"]
    done = client.post(f"/api/v1/cases/{case['id']}/tasks/{task_id}", headers=bearer(manager_token), json={
        "answers": {"decision": "section17_assessment", "allocated_worker_id": sw1.id, "decision_reasons": "API",
                    "referrer_acknowledged": False}})
    assert done.status_code == 200 and done.json["step"] == "Decide on the referral"
    again = client.post(f"/api/v1/cases/{case['id']}/tasks/{task_id}", headers=bearer(manager_token), json={
        "answers": {"decision": "no_further_action", "decision_reasons": "x", "referrer_acknowledged": False}})
    assert again.status_code == 409  # someone completed it first
    tasks_now = client.get("/api/v1/tasks", headers=bearer(sw1_token)).json["items"]
    assert {t["step"] for t in tasks_now if t["case_id"] == case["id"]} == {"Carry out the assessment",
                                                                          "Convene the multi-agency meeting"}
    convene = next(t for t in tasks_now if t["step"] == "Convene the multi-agency meeting")
    own_page = client.post(f"/api/v1/cases/{case['id']}/tasks/{convene['task_id']}", json={"answers": {}},
                           headers=bearer(sw1_token))
    assert own_page.status_code == 409 and "own page" in own_page.json["error"]
    assert client.get(f"/api/v1/cases/{case['id']}/meetings", headers=bearer(sw1_token)).json == {"items": []}
    assert client.get("/api/v1/cases/2147483648", headers=bearer(sw1_token)).status_code == 404


def test_revoked_tokens_and_deactivated_accounts_stop_at_once(client, partnership, sw1_token):
    sw1 = user(partnership, "sw1")
    assert client.get("/api/v1/cases", headers=bearer(sw1_token)).status_code == 200
    row, = tokens.my_tokens(sw1)
    tokens.revoke(sw1, row.id, origin=NO_ORIGIN, now=NOW + timedelta(hours=1))
    partnership.commit()
    assert client.get("/api/v1/cases", headers=bearer(sw1_token)).status_code == 401
    _, other = tokens.create_personal_token(sw1, "second", days=90, origin=NO_ORIGIN, now=NOW)
    sw1.is_active = False
    partnership.commit()
    assert client.get("/api/v1/cases", headers=bearer(other)).status_code == 401


def test_service_tokens_are_made_by_administrators_for_a_system_account(client, partnership, clock):
    admin, gp1 = user(partnership, "admin"), user(partnership, "gp1")
    with pytest.raises(PermissionDenied):
        tokens.create_service_token(gp1, gp1.id, "practice system", days=90, origin=NO_ORIGIN, now=NOW)
    row, token = tokens.create_service_token(admin, gp1.id, "practice system", days=90, origin=NO_ORIGIN, now=NOW)
    partnership.commit()
    assert row.kind == "service" and row.token_hash != token and token not in str(row.__dict__)
    made = client.post("/api/v1/referrals", json={"answers": referral_answers(given="Sys", family="Democase")},
                       headers=bearer(token))
    assert made.status_code == 201  # an online referral, as the GP practice's account
    assert client.get("/api/v1/cases", headers=bearer(token)).status_code == 403  # agencies see no case list


def test_an_escalation_through_the_api_stops_for_immediate_risk(client, partnership, sw1_token):
    sw1, tm1 = user(partnership, "sw1"), user(partnership, "tm1")
    case = open_case(sw1, referral_answers())
    start_assessment(case, sw1, tm1)
    partnership.commit()
    body = {"immediate_risk": "yes", "about": f"case-{case.id}", "category": "timeliness", "description": "d",
            "risk_now": "r", "outcome_sought": "o"}
    assert client.post("/api/v1/escalations", json=body, headers=bearer(sw1_token)).status_code == 422
    raised = client.post("/api/v1/escalations", json={**body, "immediate_risk": "no"}, headers=bearer(sw1_token))
    assert raised.status_code == 201 and raised.json["stage"] == 1
    found = client.get(f"/api/v1/escalations/{raised.json['id']}", headers=bearer(sw1_token)).json
    assert found["case_reference"] == case.reference


def test_an_operator_makes_a_service_token_from_the_command_line(app, committed_db):
    from webapp.demo import seed_demo

    seed_demo(committed_db)
    committed_db.commit()
    runner = app.test_cli_runner()
    made = runner.invoke(args=["api", "service-token", "gp1", "--name", "Practice system"])
    token, = made.stdout.splitlines()  # the token alone on standard output, for scripts
    assert made.exit_code == 0 and token.startswith("cin_") and "Expires 20" in made.stderr
    client = app.test_client()
    assert client.get("/api/v1/escalations", headers=bearer(token)).status_code == 200
    refused = runner.invoke(args=["api", "service-token", "nobody", "--name", "x"])
    assert refused.exit_code == 1 and "no active account called 'nobody'" in refused.output


def test_a_token_s_last_use_is_kept(client, partnership, sw1_token):
    assert client.get("/api/v1/escalations", headers=bearer(sw1_token)).status_code == 200
    partnership.expire_all()
    row, = tokens.my_tokens(user(partnership, "sw1"))
    assert row.last_used_at is not None
