"""How the audit trail names escalations (webapp/audit/records.py; wired in webapp/wiring.py)."""
from __future__ import annotations

from typing import Collection

from sqlalchemy import select

from webapp.columns import LONDON
from webapp.escalations.models import Escalation
from webapp.extensions import db


def name_escalations(ids: Collection[int]) -> dict[int, str]:
    """"Escalation raised on 3 December 2026"."""
    return {row.id: f"Escalation raised on {row.raised_at.astimezone(LONDON):%-d %B %Y}"
            for row in db.session.execute(select(Escalation.id, Escalation.raised_at).where(Escalation.id.in_(ids)))}
