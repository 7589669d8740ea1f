"""Transactions that will write. SQLite allows one writer: a transaction that reads first and writes later can
fail when another writer committed in between, so writers take the write lock when they begin."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

_IMMEDIATE = "sqlite_begin_immediate"


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
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(_IMMEDIATE)
                                   else "BEGIN")


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer (SQLite: BEGIN IMMEDIATE) if it has not begun yet.
    On PostgreSQL row locks (SELECT ... FOR UPDATE) do this job and nothing changes here."""
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={_IMMEDIATE: True})


def begin_writes_early() -> None:
    """Before any other query of a request that may write (POST and the like), begin as a writer."""
    from flask import request

    from webapp.extensions import db

    if request.method not in {"GET", "HEAD", "OPTIONS"}:
        begin_write(db.session)
