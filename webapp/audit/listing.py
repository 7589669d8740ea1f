"""The audit trail's page: newest rows first, filtered, for administrators only. Apart from
webapp/audit/services.py (which writes rows and which the workflow core uses) so that writing an audit row needs
nothing of the roles."""
from __future__ import annotations

from sqlalchemy import func, or_, select

from webapp.audit.filters import AuditFilters
from webapp.audit.models import AuditEvent
from webapp.audit.services import NO_ORIGIN, Origin, record_event
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.errors import PermissionDenied
from webapp.extensions import db


def list_events(actor, filters: AuditFilters = AuditFilters(), *, page: int = 1, per_page: int = 50,
                origin: Origin = NO_ORIGIN) -> tuple[list[AuditEvent], bool]:
    """Audit rows newest first, filtered, for administrators; returns the rows and whether more follow. Each
    filter has an index ending in occurred_at (webapp/audit/models.py), so a page is read in index order."""
    if not actor.has_role(Role.ADMINISTRATOR):
        raise PermissionDenied("Only administrators can read the audit trail.")
    query = select(AuditEvent)
    if filters.person:
        query = query.where(_by_person(filters.person))
    if filters.case_id is not None:
        query = query.where(AuditEvent.subject_type == "cases", AuditEvent.subject_id == filters.case_id)
    if filters.actions:
        query = query.where(AuditEvent.action.in_(filters.actions))
    if filters.since is not None:
        query = query.where(AuditEvent.occurred_at >= filters.since)
    if filters.before is not None:
        query = query.where(AuditEvent.occurred_at < filters.before)
    rows = db.session.scalars(query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
                              .offset((page - 1) * per_page).limit(per_page + 1)).all()
    record_event("audit.list_viewed", actor=actor, origin=origin, detail={"page": page} | filters.used())
    return list(rows[:per_page]), len(rows) > per_page


def _by_person(typed: str):
    """Rows of the accounts whose username or full name this is (case aside), and rows that carry it as the name
    typed at sign-in or the label of who acted (a failed sign-in has no account, even for a real username)."""
    lowered = typed.lower()
    people = db.session.execute(select(User.id, User.username).where(
        or_(func.lower(User.username) == lowered, func.lower(User.full_name) == lowered))).all()
    labels = {typed, lowered} | {person.username for person in people} | {person.username.lower() for person in people}
    named = AuditEvent.actor_label.in_(sorted(labels))
    return or_(AuditEvent.actor_id.in_([person.id for person in people]), named) if people else named
