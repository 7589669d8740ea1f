"""Health and readiness endpoints for load balancers: no sign-in, no data, the reason when not ready."""
def test_health_answers_without_sign_in(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_ready_says_what_is_missing_then_ready(client, db_session, partnership):
    assert client.get("/ready").json == {"status": "ready"}


def test_not_ready_without_the_processes(client, db_session):
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json["problems"] == ["the process 'section17' is not deployed: run `flask workflows deploy`"]
