"""Health and readiness endpoints for load balancers: no sign-in, no data, the reason when not ready."""
from webapp.columns import utc_now
from webapp.monitoring.services import beat


def test_health_answers_without_sign_in(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_ready_once_the_schema_is_current_the_processes_deployed_and_a_worker_passed(client, db_session,
                                                                                    partnership):
    beat("worker-host:1", utc_now(), utc_now(), 0.2)
    response = client.get("/ready")
    assert response.status_code == 200 and response.json == {"status": "ready"}


def test_not_ready_without_the_processes_or_a_worker(client, db_session):
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json == {"status": "not ready", "problems": [
        "the process 'section17' is not deployed: run `flask workflows deploy`",
        "no worker has completed a pass yet: start `flask worker`"]}


def test_json_logs_are_one_object_a_line():
    import json
    import logging

    from webapp import JsonLogFormatter

    record = logging.LogRecord("webapp.worker", logging.INFO, __file__, 1, "Worker pass: %d timer(s) fired", (3,),
                               None)
    assert json.loads(JsonLogFormatter().format(record)) | {"time": "t"} == {
        "time": "t", "level": "INFO", "logger": "webapp.worker", "message": "Worker pass: 3 timer(s) fired"}
