"""Transactions: one per request, committed in one place; those that will write; transient database errors;
and worker connections.

SQLite allows one writer: a transaction that reads first and writes later can fail when another writer committed
in between, so writers take the write lock when they begin. A lost connection or a transaction the database gave
up is not the request's fault: the view runs once more when that is safe, then the error pages answer 503."""
from __future__ import annotations

import logging
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, scoped_session

from webapp.errors import InvalidInput
from webapp.extensions import db

try:
    from psycopg import OperationalError as _PostgresOperationalError
except ImportError:  # an installation that runs on SQLite only
    _PostgresOperationalError = None

log = logging.getLogger(__name__)
_IMMEDIATE = "sqlite_begin_immediate"
_REQUEST_WRITES = "sqlite_request_writes"  # flask.g: this request's transactions begin as writers
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def prepare_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL for concurrent readers, and transactions begun by SQLAlchemy, not pysqlite."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let SAVEPOINT and BEGIN behave as written
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL with NORMAL: a commit survives a crash of the app; only a power cut or OS crash can lose the
        # last commits. Production runs on PostgreSQL (the production configuration insists on it).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        immediate = connection.get_execution_options().get(_IMMEDIATE) or _request_writes()
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer (SQLite: BEGIN IMMEDIATE) if it has not begun yet.
    On PostgreSQL row locks (SELECT ... FOR UPDATE) do this job and nothing changes here."""
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={_IMMEDIATE: True})


def _request_writes() -> bool:
    from flask import g, has_request_context

    return has_request_context() and g.get(_REQUEST_WRITES, False)


def request_may_write(method: str, endpoint: str | None, *, has_session_cookie: bool, has_token: bool) -> bool:
    """Whether a request may write: a change (POST and the like), or a page view by someone signed in or holding
    a token, which audits the look and notes the session's activity. Static files never do."""
    if method not in _SAFE_METHODS:
        return True
    return endpoint != "static" and (has_session_cookie or has_token)


def begin_writes_early() -> None:
    """Before any other query of a request that may write, begin as a writer; every later transaction of the
    request does too. On SQLite a read transaction cannot wait for the write lock: once another writer has
    committed, its first write fails at once ("database is locked") whatever the busy timeout, so an audited
    page view must hold the lock before it reads. Readers then wait for each other: bench/sqlite_page_views.py."""
    from flask import current_app, g, request


    if request_may_write(request.method, request.endpoint,
                         has_session_cookie=current_app.config["SESSION_COOKIE_NAME"] in request.cookies,
                         has_token="Authorization" in request.headers):
        g.setdefault(_REQUEST_WRITES, True)
        begin_write(db.session)


# Transient errors: the database lost the connection (a restart, a network blip, a connection that died in the
# pool) or gave a transaction up so that another could go on (serialization failure, deadlock). They say nothing
# about the request or the diagram, and the same work a moment later can succeed.
_GIVEN_UP_SQLSTATES = {"40001": "serialization failure", "40P01": "deadlock"}
_VIEW_COMMIT_SENT = "database_view_commit_sent"  # flask.g, while a view runs: it has asked for a COMMIT


def is_transient(error: BaseException) -> bool:
    """Whether this error is a lost connection or a transaction the database gave up (worth one more try)."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig
    if _PostgresOperationalError is not None and isinstance(error, _PostgresOperationalError):
        return True  # the server went away, shut down, cancelled the statement or gave the transaction up
    return getattr(error, "sqlstate", None) in _GIVEN_UP_SQLSTATES


def database_cause(error: BaseException) -> BaseException | None:
    """The database error behind `error` (itself, or what it was raised from), if there is one: SpiffWorkflow
    wraps what an expression or a service task raised."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, SQLAlchemyError) or is_transient(error):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def describe_transient(error: BaseException) -> str:
    """What happened, for a log line: the driver's own words, never the statement or its parameters."""
    driver_error = error.orig if isinstance(error, DBAPIError) else error
    sqlstate = getattr(driver_error, "sqlstate", None)
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        what = "connection lost"
    else:
        what = _GIVEN_UP_SQLSTATES.get(sqlstate, "database unavailable")
    words = str(driver_error).strip().splitlines()
    return (f"{what} ({type(driver_error).__name__}{f' {sqlstate}' if sqlstate else ''}"
            f"{f': {words[0]}' if words else ''})")


def view_commit_sent() -> bool:
    """Whether the running view asked the database to COMMIT: after that its work may have been saved."""
    from flask import g

    return g.get(_VIEW_COMMIT_SENT) is True


def _note_commit(_connection) -> None:
    from flask import g, has_app_context

    if has_app_context() and _VIEW_COMMIT_SENT in g:  # only while a view runs (not the worker, not a hook)
        setattr(g, _VIEW_COMMIT_SENT, True)


def commit_each_request(app) -> None:
    """The one place a request's work is committed: when its view returns (whatever the status: a page that
    shows a refusal keeps what it audited), and rolled back when the view raises. Views never commit; a
    service refusal a page shows again is undone on its own with `undone_if_refused`.

    A transient database error before the COMMIT was sent runs the view once more: until then everything it did
    is in one transaction the rollback undoes, so the second run starts from what is in the database, as a
    fresh request would. Once the COMMIT is under way the first run may have gone through (the connection can
    die after the server committed and before it answered): running the view again could do the work twice, so
    the error goes to the error pages, which say it may have been saved. A second transient error, or one
    raised by the before-request hooks, reaches the error pages too."""
    from flask import g, request

    with app.app_context():
        for engine in db.engines.values():
            # The engine's "commit" event fires just before the DBAPI commit: a flush that failed inside
            # session.commit() never got this far, and nothing of it was saved.
            event.listen(engine, "commit", _note_commit)
    dispatch = app.dispatch_request

    def dispatch_and_commit():
        setattr(g, _VIEW_COMMIT_SENT, False)
        try:
            response = dispatch()
            db.session.commit()
            return response
        except BaseException:
            db.session.rollback()
            raise

    def dispatch_with_one_retry():
        try:
            return dispatch_and_commit()
        except Exception as error:
            if not is_transient(error) or view_commit_sent():
                raise
            first_error = error
        # Outside the except block, so that an error of the second run is not chained onto the first.
        log.warning("%s during %s %s, before any commit: rolled back, running it once more",
                    describe_transient(first_error), request.method, request.endpoint)
        for upload in request.files.values():  # the second run reads uploads from their start again
            if upload.stream.seekable():
                upload.stream.seek(0)
        return dispatch_and_commit()

    app.dispatch_request = dispatch_with_one_retry


@contextmanager
def undone_if_refused(*refusals: type[BaseException]):
    """Around a service call whose refusal (InvalidInput, or one of `refusals`) the page shows: what the call did
    is undone (a savepoint), what the request did before it stays, and the request's one commit saves that."""
    savepoint = db.session.begin_nested()
    try:
        yield
    except (InvalidInput, *refusals):
        if savepoint.is_active:
            savepoint.rollback()
        raise
    savepoint.commit()


def prepare_worker_connections(engine: Engine, settings) -> None:
    """PostgreSQL: every connection of this (worker) process gives its locks back when a statement runs longer
    than worker_statement_timeout_seconds or a transaction sits idle for worker_idle_in_transaction_seconds,
    so a frozen worker cannot hold a row for ever (0 turns either off). SQLite: nothing to do."""
    if engine.dialect.name != "postgresql":
        return
    statement_ms = int(settings.worker_statement_timeout_seconds) * 1000
    idle_ms = int(settings.worker_idle_in_transaction_seconds) * 1000

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {statement_ms}")
            cursor.execute(f"SET idle_in_transaction_session_timeout = {idle_ms}")
        dbapi_connection.commit()  # a SET inside a transaction that is rolled back would be undone

    # Connections opened before this call (at start-up) lack the settings: empty the pool, so that every
    # connection the worker uses from now on is opened through the listener.
    engine.dispose()
