"""How the audit trail names meetings (webapp/audit/records.py; wired in webapp/wiring.py)."""
from __future__ import annotations

from typing import Collection

from sqlalchemy import select

from webapp.columns import LONDON
from webapp.extensions import db
from webapp.meetings.models import Meeting, MeetingKind

_KINDS = {kind.value: kind.label for kind in MeetingKind}


def name_meetings(ids: Collection[int]) -> dict[int, str]:
    """"Initial child in need meeting on 3 December 2026"."""
    return {row.id: f"{_KINDS.get(row.kind, 'Meeting')} on {row.starts_at.astimezone(LONDON):%-d %B %Y}"
            for row in db.session.execute(select(Meeting.id, Meeting.kind, Meeting.starts_at)
                                          .where(Meeting.id.in_(ids)))}
