"""What the service needs before it takes requests: the database answering and taking writes, its schema at the
newest migration, the Section 17 process deployed, and a worker that has recently completed a pass (without one
no deadline fires and no mail goes out)."""
from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from functools import lru_cache

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from webapp.config import PROJECT_ROOT, Settings
from webapp.database import begin_write
from webapp.extensions import db
from webapp.monitoring.services import last_heartbeat, record_ready_check
from webapp.workflow.models import WorkflowVersion

REQUIRED_PROCESSES = ("section17",)
STALE_INTERVALS = 12  # WORKER_STALE_SECONDS=0: the longest healthy pass and this many worker intervals more


def readiness_problems(settings: Settings, now: datetime) -> list[str]:
    """What stops the service from working, in words for whoever runs it; empty when ready."""
    try:
        db.session.execute(text("SELECT 1"))
        current = MigrationContext.configure(db.session.connection()).get_current_revision()
        deployed = set(db.session.scalars(select(WorkflowVersion.process_id).distinct()))
    except SQLAlchemyError as error:
        return [f"the database does not answer: {type(error).__name__}"]
    problems = []
    head = _newest_migration()
    if current != head:
        problems.append(f"the schema is at {current}, not {head}: run `flask db upgrade`")
    problems += [f"the process {p!r} is not deployed: run `flask workflows deploy`"
                 for p in REQUIRED_PROCESSES if p not in deployed]
    if current != head:
        return problems  # the tables below may not exist yet
    problems += _write_problems(now) + _worker_problems(settings, now)
    return problems


def stale_after(settings: Settings) -> timedelta:
    """How long without a completed pass before the worker counts as stopped. By default a healthy pass's
    worst case (its mail budget, the message then in hand, the longest render) plus twelve intervals."""
    if settings.worker_stale_seconds:
        return timedelta(seconds=settings.worker_stale_seconds)
    longest_pass = (settings.worker_mail_budget_seconds + settings.mail.message_deadline_seconds
                    + settings.render_timeout_seconds)
    return timedelta(seconds=longest_pass + settings.worker_interval_seconds * STALE_INTERVALS)


def _write_problems(now: datetime) -> list[str]:
    """Commit a one-row write: a read-only database or a full disk answers reads yet fails here."""
    db.session.rollback()
    try:
        begin_write(db.session)
        record_ready_check(f"{socket.gethostname()}:{os.getpid()}", now)
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        return [f"the database does not accept writes: {type(error).__name__}"]
    return []


def _worker_problems(settings: Settings, now: datetime) -> list[str]:
    try:
        last = last_heartbeat()
    except SQLAlchemyError as error:
        db.session.rollback()
        return [f"the database does not answer: {type(error).__name__}"]
    if last is None:
        return ["no worker has completed a pass yet: start `flask worker`"]
    if now - last > stale_after(settings):
        return [f"no worker has completed a pass since {last:%Y-%m-%dT%H:%M:%SZ}: check that `flask worker` runs"]
    return []


@lru_cache(maxsize=1)
def _newest_migration() -> str:
    """The head revision of the migrations shipped with this code (read from disk once per process)."""
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()
