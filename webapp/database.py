"""Transactions that will write. SQLite allows one writer: a transaction that reads first and writes later can
fail when another writer committed in between, so writers take the write lock when they begin."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

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

    from webapp.extensions import db

    if request_may_write(request.method, request.endpoint,
                         has_session_cookie=current_app.config["SESSION_COOKIE_NAME"] in request.cookies,
                         has_token="Authorization" in request.headers):
        g.setdefault(_REQUEST_WRITES, True)
        begin_write(db.session)
