"""The database going away for a moment: a request that loses its connection before it committed runs once more
and succeeds; a second loss (or one while committing) answers 503 with plain words, a Retry-After header and no
SQL; the API answers in its JSON error shape. Engine options and the worker's connection timeouts."""
import logging
import socket
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError, OperationalError

from tests.cases.builders import open_case, referral_answers
from tests.helpers import csrf_token, signed_in
from tests.shell.blips import kill_connection, lost_at_commit, lost_connections
from webapp.agencies.models import Agency, AgencyKind
from webapp.api import tokens
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.cases.models import StepRecord
from webapp.config import Settings
from webapp.database import is_transient, prepare_worker_connections
from webapp.extensions import db
from webapp.workflow.models import OpenTask

NOT_SAVED = "Sorry, the service could not save this just now"
NOT_LOADED = "Sorry, the service could not load this page just now"


def user(session, username) -> User:
    return session.scalar(select(User).where(User.username == username))


def open_step(session, case_id, bpmn_id):
    session.rollback()  # see what the requests committed
    return session.scalar(select(OpenTask).where(OpenTask.subject_id == case_id, OpenTask.bpmn_id == bpmn_id))


@pytest.fixture
def referral(partnership_committed):
    """A committed referral waiting for its decision: (case id, decision task id, the decision's answers)."""
    session = partnership_committed
    gp = session.scalar(select(Agency).where(Agency.kind == AgencyKind.GP_PRACTICE.value))
    case = open_case(user(session, "sw1"), referral_answers(gp_id=gp.id))
    session.commit()
    decision = {"decision": "section17_assessment", "allocated_worker_id": str(user(session, "sw1").id),
                "decision_reasons": "Concerns need assessing", "referrer_acknowledged": "false"}
    return case.id, open_step(session, case.id, "referral_decision").task_id, decision


def _decide(app, referral, times: int):
    """The team manager decides the referral while the connection is lost under `times` settings reads."""
    case_id, task_id, decision = referral
    client = signed_in(app, "tm1")
    url = f"/cases/{case_id}/steps/{task_id}"
    token = csrf_token(client.get(url).text)
    with lost_connections(db.engine, "FROM partnership_settings", times=times) as blips:
        response = client.post(url, data={"csrf_token": token, **decision})
    return response, blips


def _shows_no_sql(body: str) -> None:
    for word in ("SELECT", "SQL", "partnership_settings", "OperationalError", "ProgrammingError", "Traceback"):
        assert word not in body


def test_a_step_that_loses_its_connection_once_is_saved_by_the_retry(app, referral, partnership_committed, caplog):
    case_id = referral[0]
    response, blips = _decide(app, referral, times=1)
    assert blips.inside_engine == [True]  # met where it was reported: the Manager review day timer's setting()
    assert response.status_code == 302, response.text
    assert open_step(partnership_committed, case_id, "referral_decision") is None
    assert open_step(partnership_committed, case_id, "assessment") is not None
    assert partnership_committed.scalar(select(func.count(StepRecord.id))
                                        .where(StepRecord.case_id == case_id)) == 2  # referral and decision, once
    retried, = [r for r in caplog.records if "running it once more" in r.getMessage()]
    assert "connection lost" in retried.getMessage() and "manager_review_day" not in retried.getMessage()


def test_a_step_that_loses_it_twice_gets_503_and_nothing_is_saved(app, referral, partnership_committed, caplog):
    case_id = referral[0]
    response, blips = _decide(app, referral, times=2)
    assert len(blips.statements) == 2
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert NOT_SAVED in response.text and "Nothing was saved. Wait a moment and try again." in response.text
    assert "could not continue" not in response.text
    _shows_no_sql(response.text)
    assert open_step(partnership_committed, case_id, "referral_decision") is not None  # the step is still open
    assert open_step(partnership_committed, case_id, "assessment") is None
    assert partnership_committed.scalar(select(func.count(StepRecord.id))
                                        .where(StepRecord.case_id == case_id)) == 1  # the referral only
    answered, = [r for r in caplog.records if "answered 503" in r.getMessage()]
    assert answered.levelno == logging.WARNING and not answered.exc_info
    assert "SELECT" not in answered.getMessage() and "manager_review_day" not in answered.getMessage()


def test_a_connection_lost_while_committing_is_never_run_twice(app, referral, partnership_committed):
    case_id, task_id, decision = referral
    client = signed_in(app, "tm1")
    url = f"/cases/{case_id}/steps/{task_id}"
    token = csrf_token(client.get(url).text)
    with lost_at_commit(db.engine, after="INSERT INTO step_records") as blips:
        response = client.post(url, data={"csrf_token": token, **decision})
    assert blips.commits_killed == 1
    # The COMMIT was under way: the view was not run again, and the page cannot promise nothing was saved.
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "It may or may not have been saved" in response.text and "Nothing was saved" not in response.text
    _shows_no_sql(response.text)
    assert partnership_committed.scalar(select(func.count(StepRecord.id))
                                        .where(StepRecord.case_id == case_id)) == 1
    assert open_step(partnership_committed, case_id, "referral_decision") is not None


def test_a_page_view_is_retried_once_then_gets_the_503_page(app, referral):
    case_id = referral[0]
    client = signed_in(app, "tm1")
    with lost_connections(db.engine, "FROM cases", times=1) as blips:
        assert client.get(f"/cases/{case_id}").status_code == 200
    assert len(blips.statements) == 1
    with lost_connections(db.engine, "FROM cases", times=2):
        response = client.get(f"/cases/{case_id}")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert NOT_LOADED in response.text and "Wait a moment and try again." in response.text
    _shows_no_sql(response.text)
    with lost_connections(db.engine, "", times=100):  # away for every statement, signing in included
        away = client.get(f"/cases/{case_id}")
    assert away.status_code == 503 and NOT_LOADED in away.text  # the page is drawn without the database
    assert client.get(f"/cases/{case_id}").status_code == 200  # still signed in once the database is back


def test_the_api_answers_503_in_its_json_error_shape(app, referral, partnership_committed):
    case_id, task_id, decision = referral
    _, token = tokens.create_personal_token(user(partnership_committed, "tm1"), "tests", days=90, origin=NO_ORIGIN,
                                            now=datetime.now(timezone.utc))
    partnership_committed.commit()
    answers = {**decision, "allocated_worker_id": int(decision["allocated_worker_id"]), "referrer_acknowledged": False}
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    with lost_connections(db.engine, "FROM partnership_settings", times=2):
        response = client.post(f"/api/v1/cases/{case_id}/tasks/{task_id}", json={"answers": answers},
                               headers=headers)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.is_json and set(response.json) == {"error", "fields"} and response.json["fields"] == {}
    assert "could not save this just now. Nothing was saved" in response.json["error"]
    _shows_no_sql(response.text)
    assert open_step(partnership_committed, case_id, "referral_decision") is not None

    with lost_connections(db.engine, "FROM cases", times=2):
        looked = client.get(f"/api/v1/cases/{case_id}", headers=headers)
    assert looked.status_code == 503 and looked.json["error"].startswith("The service could not answer just now")

    with lost_connections(db.engine, "FROM partnership_settings", times=1):
        done = client.post(f"/api/v1/cases/{case_id}/tasks/{task_id}", json={"answers": answers}, headers=headers)
    assert done.status_code == 200 and done.json["completed"] is True
    assert open_step(partnership_committed, case_id, "referral_decision") is None


def test_transient_errors_are_told_from_real_faults(app, committed_db):
    with pytest.raises(DBAPIError) as fault:
        committed_db.execute(text("SELECT * FROM no_such_table"))
    assert not is_transient(fault.value)
    committed_db.rollback()
    if db.engine.dialect.name != "postgresql":
        return
    # What PostgreSQL raises when it gives a transaction up so that another can go on.
    for sqlstate in ("40001", "40P01"):
        with pytest.raises(DBAPIError) as given_up:
            committed_db.execute(text(f"DO $$ BEGIN RAISE EXCEPTION 'given up' USING ERRCODE = '{sqlstate}'; END $$"))
        assert is_transient(given_up.value) and not given_up.value.connection_invalidated
        committed_db.rollback()
    with pytest.raises(DBAPIError) as unique:
        committed_db.execute(text("DO $$ BEGIN RAISE EXCEPTION 'duplicate' USING ERRCODE = '23505'; END $$"))
    assert not is_transient(unique.value)
    committed_db.rollback()


def test_engine_options_check_pooled_connections_and_hide_parameters():
    sqlite = Settings.from_environment({"APP_ENV": "test", "DATABASE_URL": "sqlite:///x.db"}).engine_options()
    assert sqlite == {"hide_parameters": True, "pool_pre_ping": True}  # SQLite keeps its own busy timeout
    postgres = Settings.from_environment({"APP_ENV": "test", "DATABASE_URL": "postgresql://u@h/db",
                                          "DB_CONNECT_TIMEOUT_SECONDS": "7"})
    assert postgres.flask_config()["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "hide_parameters": True, "pool_pre_ping": True, "connect_args": {"connect_timeout": 7}}


def test_a_server_that_never_answers_fails_the_connection_after_the_connect_timeout():
    silent = socket.socket()  # accepts the TCP connection (the kernel does) and never says a word
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    try:
        settings = Settings.from_environment({
            "APP_ENV": "test", "DATABASE_URL": f"postgresql://nobody@127.0.0.1:{silent.getsockname()[1]}/none",
            "DB_CONNECT_TIMEOUT_SECONDS": "2"})
        engine = create_engine(settings.database_url, **settings.engine_options())
        started = time.monotonic()
        with pytest.raises(OperationalError) as failed:
            engine.connect()
        assert time.monotonic() - started < 10
        assert is_transient(failed.value)  # a request meeting it answers 503, not 500
        engine.dispose()
    finally:
        silent.close()


@pytest.fixture
def postgres_engine(app):
    if not app.config["APP_SETTINGS"].database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no server to drop connections or time statements out")
    settings = app.config["APP_SETTINGS"]
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0, **settings.engine_options())
    yield engine
    engine.dispose()


def test_a_pooled_connection_the_server_dropped_is_replaced_before_use(postgres_engine):
    with postgres_engine.connect() as connection:
        first_pid = connection.connection.dbapi_connection.info.backend_pid
        kill_connection(connection)  # the server drops it while it waits in the pool
    with postgres_engine.connect() as connection:
        assert connection.scalar(text("SELECT pg_backend_pid()")) != first_pid


def test_worker_connections_time_out_statements_and_idle_transactions(app, postgres_engine):
    def setting(connection, name):
        return connection.scalar(text("SELECT setting FROM pg_settings WHERE name = :name"), {"name": name})

    with app.app_context(), db.engine.connect() as web:  # web processes keep PostgreSQL's defaults
        assert setting(web, "statement_timeout") == "0"
    defaults = app.config["APP_SETTINGS"]
    assert (defaults.worker_statement_timeout_seconds, defaults.worker_idle_in_transaction_seconds) == (300, 60)
    prepare_worker_connections(postgres_engine, defaults)
    with postgres_engine.connect() as connection:
        assert setting(connection, "statement_timeout") == "300000"  # milliseconds
        assert setting(connection, "idle_in_transaction_session_timeout") == "60000"
        connection.rollback()
        assert setting(connection, "statement_timeout") == "300000"  # not undone with a transaction

    impatient = Settings(worker_statement_timeout_seconds=1, worker_idle_in_transaction_seconds=1)
    engine = create_engine(postgres_engine.url, **defaults.engine_options())
    prepare_worker_connections(engine, impatient)
    try:
        with engine.connect() as connection, pytest.raises(DBAPIError) as slow:
            connection.execute(text("SELECT pg_sleep(3)"))
        assert is_transient(slow.value)  # cancelled: the worker tries again next pass
        with engine.connect() as frozen:
            frozen.execute(text("SELECT 1"))  # a transaction begins, then the worker freezes
            time.sleep(1.5)
            with pytest.raises(DBAPIError) as ended:
                frozen.execute(text("SELECT 1"))
        assert ended.value.connection_invalidated and is_transient(ended.value)  # its locks went back
    finally:
        engine.dispose()
