"""The overdue visit alert's words: by e-mail through the outbox, the case reference and a link only, never the
child's name (as every overdue alert of the service)."""
from __future__ import annotations

from sqlalchemy import select

from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.cases.models import Case
from webapp.columns import long_date
from webapp.extensions import db
from webapp.mail.delivery import SERVICE_URL_MARK
from webapp.mail.services import queue_message
from webapp.visits.models import VisitSchedule

ALERT_KIND = "overdue_alert"  # the outbox kind every overdue alert of the service uses


def tell_visit_overdue(case: Case, schedule: VisitSchedule) -> int:
    """Tell the case's allocated worker and its team's managers; returns how many people were told."""
    people = {user.id: user for user in db.session.scalars(
        select(User).where(User.team_id == case.team_id, User.is_active.is_(True))) if user.has_role(Role.TEAM_MANAGER)}
    if case.allocated_worker is not None and case.allocated_worker.is_active:
        people[case.allocated_worker.id] = case.allocated_worker
    for person in people.values():
        queue_message(ALERT_KIND, person.email, f"Statutory visit overdue: case {case.reference}",
                      f"The child in need plan's next visit was due by {long_date(schedule.due_on)} and no visit "
                      f"seeing the child has been recorded since.\n\nCase reference: {case.reference}\n"
                      f"Open the case: {SERVICE_URL_MARK}/cases/{case.id}\n\nOFFICIAL-SENSITIVE", case_id=case.id)
    return len(people)
