"""Health and readiness endpoints for load balancers: no sign-in, no data, the reason when not ready."""
def test_health_answers_without_sign_in(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_ready_once_the_schema_is_current_and_the_processes_deployed(client, db_session, partnership):
    assert client.get("/ready").json == {"status": "ready"}


def test_not_ready_without_the_processes(client, db_session):
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json["problems"] == ["the process 'section17' is not deployed: run `flask workflows deploy`"]


def test_json_logs_are_one_object_a_line():
    import json
    import logging

    from webapp import JsonLogFormatter

    record = logging.LogRecord("webapp.worker", logging.INFO, __file__, 1, "Worker pass: %d timer(s) fired", (3,),
                               None)
    assert json.loads(JsonLogFormatter().format(record)) | {"time": "t"} == {
        "time": "t", "level": "INFO", "logger": "webapp.worker", "message": "Worker pass: 3 timer(s) fired"}
