"""Diagrams made for the runtime's tests, deployed into the test database."""
from pathlib import Path

import pytest
from sqlalchemy import select

from webapp.workflow.models import OpenTask
from webapp.workflow.versions import deploy_directory

DIAGRAMS = Path(__file__).parent / "diagrams"


@pytest.fixture
def deployed(db_session):
    """Every test diagram deployed (rolled back after the test); process id -> version."""
    return {result.process_id: result.version for result in deploy_directory(DIAGRAMS)}


@pytest.fixture
def committed_deployed(committed_db):
    results = deploy_directory(DIAGRAMS)
    committed_db.commit()
    return {result.process_id: result.version for result in results}


def open_tasks(session, instance_id: int) -> dict:
    """The instance's open-task rows by step id, as plain rows (values, not live objects)."""
    table = OpenTask.__table__
    rows = session.execute(select(table).where(table.c.instance_id == instance_id)).all()
    return {row.bpmn_id: row for row in rows}
