"""How the audit trail names accounts and teams (webapp/audit/records.py; wired in webapp/wiring.py)."""
from __future__ import annotations

from typing import Collection

from sqlalchemy import select

from webapp.auth.models import Team, User
from webapp.extensions import db


def name_users(ids: Collection[int]) -> dict[int, str]:
    """"Demo Team Manager (tm1)"."""
    return {row.id: f"{row.full_name} ({row.username})"
            for row in db.session.execute(select(User.id, User.full_name, User.username).where(User.id.in_(ids)))}


def name_teams(ids: Collection[int]) -> dict[int, str]:
    return {row.id: f"Team: {row.name}" for row in db.session.execute(select(Team.id, Team.name).where(Team.id.in_(ids)))}
