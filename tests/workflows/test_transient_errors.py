"""A database connection lost under a diagram expression or a service task is the database's error, raised as
itself, never a process failure ("The process could not continue ...") carrying the SQL it was running."""
import pytest
from sqlalchemy.exc import DBAPIError

from tests.shell.blips import lost_connections
from tests.workflows.conftest import open_tasks
from webapp.auth.roles import Role
from webapp.database import is_transient
from webapp.extensions import db
from webapp.workflow import runtime
from webapp.workflow.models import WorkflowInstance
from webapp.workflow.versions import forget_deployed_versions


@pytest.fixture
def people(committed_factory):
    team = committed_factory.team()
    return {"sw": committed_factory.user(Role.SOCIAL_WORKER, team=team),
            "tm": committed_factory.user(Role.TEAM_MANAGER, team=team)}


def _afresh(session):
    session.rollback()
    session.expire_all()
    forget_deployed_versions()


def test_a_connection_lost_in_a_timer_expression_is_raised_as_itself(committed_db, committed_deployed, people,
                                                                   clock):
    with lost_connections(db.engine, "extra_bank_holidays") as blips, pytest.raises(DBAPIError) as raised:
        runtime.start_instance("deadline", "cases", 3, {"referral_on": "2026-03-02"}, actor=people["sw"])
    assert blips.inside_engine == [True]  # met by working_days_after() in the timer, not elsewhere
    assert raised.value.connection_invalidated and is_transient(raised.value)
    assert not isinstance(raised.value, runtime.WorkflowFailed)
    _afresh(committed_db)
    assert committed_db.query(WorkflowInstance).count() == 0  # nothing half-done stays

    instance_id = runtime.start_instance("deadline", "cases", 3, {"referral_on": "2026-03-02"}, actor=people["sw"])
    committed_db.commit()  # once the database is back, the same call works
    assert set(open_tasks(committed_db, instance_id)) == {"decide"}


def test_a_connection_lost_in_a_service_task_is_raised_as_itself(committed_db, committed_deployed, people):
    instance_id = runtime.start_instance("review_loop", "cases", 41, actor=people["sw"])
    committed_db.commit()
    record = open_tasks(committed_db, instance_id)["record"]
    runtime.complete_task(instance_id, record.task_id, {"visits": 1}, actor=people["sw"])
    committed_db.commit()
    review = open_tasks(committed_db, instance_id)["review"]

    with lost_connections(db.engine, "INSERT INTO audit_events") as blips, pytest.raises(DBAPIError) as raised:
        runtime.complete_task(instance_id, review.task_id, {"outcome": "done"}, actor=people["tm"])
    assert blips.inside_engine == [True]  # met by the record_milestone handler
    assert raised.value.connection_invalidated and is_transient(raised.value)
    _afresh(committed_db)
    assert set(open_tasks(committed_db, instance_id)) == {"review"}  # the step is still waiting

    runtime.complete_task(instance_id, review.task_id, {"outcome": "done"}, actor=people["tm"])
    committed_db.commit()
    assert committed_db.get(WorkflowInstance, instance_id).is_completed
