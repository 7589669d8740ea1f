"""How the audit trail names administrators' alerts (webapp/audit/records.py; wired in webapp/wiring.py)."""
from __future__ import annotations

from typing import Collection

from sqlalchemy import select

from webapp.extensions import db
from webapp.monitoring.models import AdminAlert


def name_alerts(ids: Collection[int]) -> dict[int, str]:
    """The alert's own message (references only, never a child's name)."""
    return {row.id: f"Alert: {row.message}"
            for row in db.session.execute(select(AdminAlert.id, AdminAlert.message).where(AdminAlert.id.in_(ids)))}
