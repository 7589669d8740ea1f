"""What the service needs before it takes requests: the database, its schema at the newest migration, the
Section 17 process deployed."""
from __future__ import annotations

from functools import lru_cache

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from webapp.config import PROJECT_ROOT
from webapp.extensions import db
from webapp.workflow.models import WorkflowVersion

REQUIRED_PROCESSES = ("section17",)


def readiness_problems() -> list[str]:
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
    return problems


@lru_cache(maxsize=1)
def _newest_migration() -> str:
    """The head revision of the migrations shipped with this code (read from disk once per process)."""
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()
