"""A visit falling overdue through the worker's own pass, the clock moved: the case's worker and team manager are
e-mailed once for each due date (case reference and link, never the child's name), audited like every overdue
alert; a visit seeing the child moves the date on, and falling overdue again alerts again. Closed cases are
left alone."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.visits.builders import planned_case, user, visit
from webapp.audit.models import AuditEvent
from webapp.cases.models import Case
from webapp.config import MailSettings
from webapp.mail.models import OutboxMessage
from webapp.visits.models import VisitSchedule
from webapp.worker import run_pass


def worker_pass():
    """The worker's own pass (deadlines, timers, mail, visits), with mail sent nowhere."""
    return run_pass(MailSettings(), send=lambda message, settings: None)


def move(clock, *when):
    clock.move_to(datetime(*when, tzinfo=timezone.utc))
    worker_pass()


def alerts(session, case) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id,
                                                            OutboxMessage.kind == "overdue_alert",
                                                            OutboxMessage.subject.like("Statutory visit overdue%"))
                                .order_by(OutboxMessage.id)))


def alert_events(session, case) -> list[dict]:
    return [e.detail for e in session.scalars(select(AuditEvent).where(
        AuditEvent.action == "case.overdue_alert", AuditEvent.subject_id == case.id).order_by(AuditEvent.id))
        if e.detail.get("reason") == "visit_overdue"]


@pytest.fixture
def weekly(partnership_committed, clock):
    """A weekly plan agreed on Monday 2 March 2026: the first visit due by Monday 9 March."""
    case = planned_case(partnership_committed)
    partnership_committed.commit()
    return partnership_committed, case


def test_a_visit_falling_overdue_alerts_the_worker_and_manager_once(weekly, clock):
    session, case = weekly
    move(clock, 2026, 3, 9, 22, 0)  # the evening of the due day: not yet overdue
    assert alerts(session, case) == []
    move(clock, 2026, 3, 10, 0, 30)
    sent = alerts(session, case)
    assert sorted(m.to_address for m in sent) == ["sw1@example.org", "tm1@example.org"]
    for message in sent:
        assert message.subject == f"Statutory visit overdue: case {case.reference}"
        assert "due by 9 March 2026" in message.body_text and f"/cases/{case.id}" in message.body_text
        assert "Ava" not in message.subject + message.body_text and "Demochild" not in message.body_text
    assert alert_events(session, case) == [{"reason": "visit_overdue", "due_on": "2026-03-09", "recipients": 2}]
    move(clock, 2026, 3, 11, 9, 0)
    assert len(alerts(session, case)) == 2  # once for each due date

    # A visit seeing the child moves the date on; falling overdue again alerts again.
    visit(user(session, "sw1"), case, "2026-03-11")
    session.commit()
    move(clock, 2026, 3, 18, 9, 0)
    assert len(alerts(session, case)) == 2
    move(clock, 2026, 3, 19, 9, 0)
    assert [e["due_on"] for e in alert_events(session, case)] == ["2026-03-09", "2026-03-18"]
    assert len(alerts(session, case)) == 4


def test_a_closed_case_is_not_alerted(weekly, clock):
    session, case = weekly
    session.get(Case, case.id).closed_at = datetime(2026, 3, 5, tzinfo=timezone.utc)
    session.commit()
    move(clock, 2026, 3, 12, 9, 0)
    assert alerts(session, case) == [] and session.get(VisitSchedule, case.id).alerted_for_on is None
