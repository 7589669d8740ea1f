"""The audit trail's page: newest rows first, for administrators only. Apart from webapp/audit/services.py (which
writes rows and which the workflow core uses) so that writing an audit row needs nothing of the roles."""
from __future__ import annotations

from sqlalchemy import select

from webapp.audit.models import AuditEvent
from webapp.audit.services import record_event
from webapp.auth.roles import Role
from webapp.errors import PermissionDenied
from webapp.extensions import db


def list_recent_events(actor, *, page: int = 1, per_page: int = 50) -> tuple[list[AuditEvent], bool]:
    """Newest audit rows first, for administrators; returns the rows and whether more follow."""
    if not actor.has_role(Role.ADMINISTRATOR):
        raise PermissionDenied("Only administrators can read the audit trail.")
    rows = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id.desc()).offset((page - 1) * per_page).limit(per_page + 1)
    ).all()
    record_event("audit.list_viewed", actor=actor, detail={"page": page})
    return list(rows[:per_page]), len(rows) > per_page
