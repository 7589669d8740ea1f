"""GET /ready says what stops the service from working: a database that answers reads but takes no writes, and
no worker having completed a pass lately (no deadline fires, no mail goes out), besides the schema and processes."""
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import event, select

from webapp.columns import utc_now
from webapp.extensions import db
from webapp.monitoring.models import ReadinessProbe
from webapp.monitoring.services import beat

READY = {"status": "ready"}


def test_ready_writes_its_probe_row_and_answers_200_when_all_is_well(client, db_session, partnership, clock):
    beat("worker-host:1", utc_now(), utc_now(), 0.2)
    response = client.get("/ready")
    assert (response.status_code, response.json) == (200, READY)
    assert response.headers["Cache-Control"] == "no-store"
    probe = db_session.scalar(select(ReadinessProbe))
    assert probe.id == 1 and probe.checked_at == utc_now() and ":" in probe.checked_by
    clock.shift(timedelta(seconds=5))
    assert client.get("/ready").status_code == 200
    db_session.expire_all()
    assert [p.checked_at for p in db_session.scalars(select(ReadinessProbe))] == [utc_now()]  # one row, rewritten


def test_not_ready_once_no_worker_has_passed_for_its_longest_pass_and_twelve_intervals(
        client, db_session, partnership, clock):
    beat("worker-host:1", utc_now(), utc_now(), 0.2)
    settings = client.application.config["APP_SETTINGS"]
    longest_pass = (settings.worker_mail_budget_seconds + settings.mail.message_deadline_seconds
                    + settings.render_timeout_seconds)
    clock.shift(timedelta(seconds=longest_pass + settings.worker_interval_seconds * 12))
    assert client.get("/ready").status_code == 200
    clock.shift(timedelta(seconds=1))
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json == {"status": "not ready", "problems": [
        "no worker has completed a pass since 2026-03-02T09:00:00Z: check that `flask worker` runs"]}
    beat("worker-host:2", utc_now(), utc_now(), 0.2)  # another worker passing is enough
    assert client.get("/ready").status_code == 200


def test_worker_stale_seconds_sets_how_long_a_pass_may_take(app, client, db_session, partnership, clock):
    beat("worker-host:1", utc_now(), utc_now(), 0.2)
    clock.shift(timedelta(seconds=200))
    original = app.config["APP_SETTINGS"]
    app.config["APP_SETTINGS"] = replace(original, worker_stale_seconds=300)
    try:
        assert client.get("/ready").status_code == 200
        clock.shift(timedelta(seconds=101))
        assert client.get("/ready").status_code == 503
    finally:
        app.config["APP_SETTINGS"] = original


@contextmanager
def read_only_connections():
    """Every connection taken from the pool meanwhile refuses writes, as a read-only replica or a database put
    read-only by its administrator would: set on the connection, so nothing outside this test is touched."""

    def refuse_writes(dbapi_connection, _record, _proxy):
        cursor = dbapi_connection.cursor()
        if db.engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            dbapi_connection.commit()
        cursor.close()

    db.session.remove()
    event.listen(db.engine, "checkout", refuse_writes)
    try:
        yield
    finally:
        event.remove(db.engine, "checkout", refuse_writes)
        db.engine.dispose()  # the connections that refused writes are closed; new ones write again


def test_not_ready_when_the_database_answers_reads_but_takes_no_writes(client, partnership_committed, clock):
    beat("worker-host:1", utc_now(), utc_now(), 0.2)
    partnership_committed.commit()
    with read_only_connections():
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.json["status"] == "not ready"
    [problem] = response.json["problems"]
    assert problem.startswith("the database does not accept writes: ")
    assert problem.removeprefix("the database does not accept writes: ") in {"OperationalError", "InternalError"}
    assert client.get("/ready").json == READY  # writable again
