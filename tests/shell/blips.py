"""Database blips for tests: the connection under a chosen statement really dies. On PostgreSQL the server ends
the backend (what a restart does to every open connection); on SQLite the driver's connection is closed under
SQLAlchemy. Either way the driver raises its own error and SQLAlchemy's disconnect detection invalidates the
connection, as in production."""
from __future__ import annotations

import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class Blips:
    """What the blips met: each statement, and whether it ran inside a diagram expression or service task."""

    statements: list[str] = field(default_factory=list)
    inside_engine: list[bool] = field(default_factory=list)
    commits_killed: int = 0


def kill_connection(connection) -> None:
    """End the connection's session the way the database's own failure would."""
    dbapi_connection = connection.connection.dbapi_connection
    if connection.dialect.name == "postgresql":
        import psycopg

        url = connection.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url, autocommit=True) as killer:
            # With a timeout the call waits until the backend has gone, so the next statement surely meets it.
            killer.execute("SELECT pg_terminate_backend(%s, 5000)", [dbapi_connection.info.backend_pid])
    else:
        dbapi_connection.close()


@contextmanager
def lost_connections(engine: Engine, matching: str, times: int = 1):
    """The connection dies under the next `times` statements whose SQL contains `matching`."""
    blips = Blips()

    def before_cursor_execute(connection, _cursor, statement, _parameters, _context, _executemany):
        if matching in statement and len(blips.statements) < times:
            blips.statements.append(statement)
            blips.inside_engine.append(_inside_workflow_engine())
            kill_connection(connection)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield blips
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


@contextmanager
def lost_at_commit(engine: Engine, after: str):
    """The connection dies just before the COMMIT of the first transaction that ran a statement containing
    `after`: the client cannot know whether the server committed."""
    blips = Blips()
    armed = []

    def before_cursor_execute(_connection, _cursor, statement, *_):
        if after in statement:
            armed.append(statement)

    def commit(connection):
        if armed and not blips.commits_killed:
            blips.commits_killed += 1
            kill_connection(connection)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    event.listen(engine, "commit", commit)
    try:
        yield blips
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)
        event.remove(engine, "commit", commit)


def _inside_workflow_engine() -> bool:
    """Whether the statement was sent by a diagram expression or a service task run by SpiffWorkflow."""
    return any(frame.name in {"evaluate", "call_service"} and "SpiffWorkflow" in frame.filename
               for frame in traceback.extract_stack())
