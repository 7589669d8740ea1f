"""The real workflows/ folder deployed, and the demo partnership, for case tests."""
import pytest

from webapp.config import PROJECT_ROOT
from webapp.demo import seed_demo
from webapp.workflow.versions import deploy_directory


@pytest.fixture
def partnership(db_session):
    """Demo people and agencies plus the deployed workflows, rolled back after the test."""
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
