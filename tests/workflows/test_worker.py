"""The worker fires due timers from the index, once each, however many workers run."""
import threading
from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import func, select

from tests.workflows.conftest import open_tasks
from webapp.audit.models import AuditEvent
from webapp.auth.roles import Role
from webapp.extensions import db
from webapp.worker import fire_due_timers
from webapp.workflow import runtime


def test_two_workers_fire_each_due_timer_once(app, committed_db, committed_deployed, committed_factory):
    worker = committed_factory.user(Role.SOCIAL_WORKER)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False) as clock:
        ids = [runtime.start_instance("deadline", "cases", n, {"referral_on": "2026-03-02"}, actor=worker)
               for n in range(12)]
        runtime.start_instance("review_loop", "cases", 99, actor=worker)  # waits for no timer
        committed_db.commit()
        clock.shift(timedelta(hours=4, seconds=1))  # every PT4H reminder is due
        barrier = threading.Barrier(2)
        fired = []

        def run():
            with app.app_context():
                barrier.wait(timeout=10)
                fired.append(fire_due_timers())
                db.session.remove()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sum(count for count, _ in fired) == 12 and all(failed == 0 for _, failed in fired)
    committed_db.commit()
    per_instance = dict(committed_db.execute(
        select(AuditEvent.subject_id, func.count()).where(AuditEvent.action == "workflow.timers_fired")
        .group_by(AuditEvent.subject_id)).all())
    assert per_instance == {instance_id: 1 for instance_id in ids}
    for instance_id in ids:
        assert set(open_tasks(committed_db, instance_id)) == {"decide", "read_reminder"}


def test_a_pass_with_nothing_due_loads_no_workflow(committed_db, committed_deployed, committed_factory):
    worker = committed_factory.user(Role.SOCIAL_WORKER)
    runtime.start_instance("deadline", "cases", 1, {"referral_on": "2026-03-02"}, actor=worker)
    committed_db.commit()
    assert fire_due_timers() == (0, 0)
