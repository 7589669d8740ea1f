"""Fixtures shared by every test: the app on a real database, rolled-back and committed data, clock, SMTP, logs."""
from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
import time_machine
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker
from werkzeug.serving import make_server

from tests.factories import Factory
from tests.logscan import find_child_names
from webapp import create_app
from webapp.config import Settings
from webapp.extensions import db
from webapp.demo import seed_demo
from webapp.workflow.versions import deploy_directory, forget_deployed_versions

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL")
    return f"database: {'PostgreSQL (DATABASE_URL)' if url else 'SQLite (temporary file)'}"


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's chromium; outside CI they are skipped with the command that installs it."""
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.browser)
    if Path(CHROMIUM).exists() or os.environ.get("CI"):
        return  # in CI a missing browser must fail loudly, never skip
    skip = pytest.mark.skip(reason=f"browser tests need Debian's chromium at {CHROMIUM}: "
                                   "run `sudo apt-get install chromium` and `make test` again")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as a real server does (fresh `g`, session and login state)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _test_database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('database') / 'test.db'}"
    if "test" not in url.rsplit("/", 1)[-1]:
        pytest.exit(f"Refusing to run tests against {url.rsplit('@', 1)[-1]}: the tests empty the database, "
                    "so its name must contain 'test'.", returncode=2)
    return url


def _empty_database() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The app on a database whose schema is built by running the migrations."""
    settings = Settings.from_environment({"APP_ENV": "test", "DATABASE_URL": _test_database_url(tmp_path_factory)})
    application = create_app(settings=settings)
    application.test_client_class = IsolatedClient
    with application.app_context():
        _empty_database()
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def db_session(app):
    """A session whose work is rolled back after the test; commits inside become savepoints."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        # A plain SQLAlchemy session: Flask-SQLAlchemy's own would pick its engine over this connection.
        db.session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
                                    scopefunc=_app_ctx_id)
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()
            forget_deployed_versions()  # version ids come back after a rollback; the cache must not outlive them


@pytest.fixture
def committed_db(app):
    """Data committed where other connections see it (threads, a live server); every table emptied afterwards."""
    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()
            _empty_tables()
            forget_deployed_versions()


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            # agencies and users name each other (an agency's safeguarding lead): break the cycle first
            connection.execute(text("UPDATE agencies SET safeguarding_lead_id = NULL"))
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def factory(db_session):
    """Builders for people, teams and agencies in the rolled-back session."""
    return Factory(db_session)


@pytest.fixture
def committed_factory(committed_db):
    return Factory(committed_db, commit=True)


@pytest.fixture
def partnership(db_session):
    """Demo people and agencies plus the deployed workflows/ folder, rolled back after the test."""
    deploy_directory(PROJECT_ROOT / "workflows")
    seed_demo(db_session)
    return db_session


@pytest.fixture
def partnership_committed(committed_db):
    """The same, committed, for the worker's passes (each its own transaction)."""
    deploy_directory(PROJECT_ROOT / "workflows")
    seed_demo(committed_db)
    committed_db.commit()
    return committed_db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def clock():
    """Time stands still at a Monday morning until the test moves it (`clock.shift(...)`)."""
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc), tick=False) as traveller:
        yield traveller


@pytest.fixture
def live_server(app, committed_db):
    """The app served over HTTP on loopback in a thread, on committed data."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpRecorder:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; `.host`, `.port` and `.envelopes` for the test."""
    from aiosmtpd.controller import Controller

    # aiosmtpd (the receiving server, standing in for the partnership's mail system) logs whole messages at
    # DEBUG; the service's own sending never logs content, and the log scan is about the service.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    recorder = SmtpRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    recorder.host, recorder.port = controller.hostname, controller.port
    try:
        yield recorder
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def no_child_names_in_logs(caplog):
    """Fail any test during which a log record carried a demo child's name."""
    yield
    records = caplog.get_records("setup") + caplog.get_records("call") + caplog.records  # records: teardown so far
    leaks = find_child_names(records)
    assert not leaks, f"log records carry children's names: {leaks}"


@pytest.fixture(scope="session")
def axe_source() -> str:
    path = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
    if not path.exists():
        pytest.fail("axe-core is missing: run `make test`, which installs the npm packages")
    return path.read_text()
