"""Two people completing steps of one case at the same moment, on real connections in two threads."""
import threading

import pytest

from tests.workflows.conftest import open_tasks
from webapp.auth.roles import Role
from webapp.errors import Conflict
from webapp.extensions import db
from webapp.workflow import runtime
from webapp.workflow.models import WorkflowInstance


def _race(app, instance_id, attempts):
    """Run each (task id, data, actor id) at the same moment in its own thread; returns outcomes by task id."""
    barrier = threading.Barrier(len(attempts))
    outcomes = {}

    def attempt(index, task_id, data, actor_id):
        with app.app_context():
            from webapp.auth.models import User

            actor = db.session.get(User, actor_id)
            db.session.rollback()  # start the step with nothing read yet, as a request does
            barrier.wait(timeout=10)
            try:
                runtime.complete_task(instance_id, task_id, data, actor=actor)
                db.session.commit()
                outcomes[index] = "completed"
            except Conflict as conflict:
                db.session.rollback()
                outcomes[index] = str(conflict)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i, *args)) for i, args in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.fixture
def racers(committed_factory):
    team = committed_factory.team()
    return (committed_factory.user(Role.SOCIAL_WORKER, team=team, full_name="First Worker"),
            committed_factory.user(Role.SOCIAL_WORKER, team=team, full_name="Second Worker"),
            committed_factory.user(Role.TEAM_MANAGER, team=team, full_name="Team Manager"))


def test_same_task_at_the_same_moment_one_wins_the_other_is_told_who(app, committed_db, committed_deployed, racers):
    first, second, _ = racers
    instance_id = runtime.start_instance("review_loop", "cases", 1, actor=first)
    committed_db.commit()
    task_id = open_tasks(committed_db, instance_id)["record"].task_id
    outcomes = _race(app, instance_id, [(task_id, {"visits": 1}, first.id), (task_id, {"visits": 2}, second.id)])
    assert sorted(outcomes.values(), key=len)[0] == "completed"
    loser = sorted(outcomes.values(), key=len)[1]
    assert loser.startswith("This step was completed by ") and ("First Worker" in loser or "Second Worker" in loser)
    committed_db.commit()  # end this connection's read snapshot (SQLite keeps one per transaction)
    assert set(open_tasks(committed_db, instance_id)) == {"review"}
    assert committed_db.get(WorkflowInstance, instance_id).state_version == 3


def test_parallel_tasks_of_one_instance_at_the_same_moment_both_complete(app, committed_db, committed_deployed, racers):
    worker, _, manager = racers
    instance_id = runtime.start_instance("parallel_checks", "cases", 1, actor=worker)
    committed_db.commit()
    tasks = open_tasks(committed_db, instance_id)
    outcomes = _race(app, instance_id, [(tasks["see_child"].task_id, {"seen": True}, worker.id),
                                        (tasks["check_records"].task_id, {"seen": True}, manager.id)])
    assert outcomes == {0: "completed", 1: "completed"}
    committed_db.commit()  # end this connection's read snapshot (SQLite keeps one per transaction)
    assert set(open_tasks(committed_db, instance_id)) == {"conclude"}
    assert committed_db.get(WorkflowInstance, instance_id).state_version == 4
