"""How the audit trail names agencies (webapp/audit/records.py; wired in webapp/wiring.py)."""
from __future__ import annotations

from typing import Collection

from sqlalchemy import select

from webapp.agencies.models import Agency
from webapp.extensions import db


def name_agencies(ids: Collection[int]) -> dict[int, str]:
    return {row.id: f"Agency: {row.name}"
            for row in db.session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(ids)))}
