"""How the audit trail names pregnancy notifications (webapp/audit/records.py; wired in webapp/wiring.py): by
the midwifery service and the day, never the mother's name."""
from __future__ import annotations

from typing import Collection

from sqlalchemy import select

from webapp.agencies.models import Agency
from webapp.columns import LONDON
from webapp.extensions import db
from webapp.pregnancy.models import PregnancyNotification


def name_notifications(ids: Collection[int]) -> dict[int, str]:
    """"Pregnancy notification from Riverside Midwifery, 3 December 2026"."""
    return {row.id: f"Pregnancy notification from {row.name}, {row.notified_at.astimezone(LONDON):%-d %B %Y}"
            for row in db.session.execute(
                select(PregnancyNotification.id, PregnancyNotification.notified_at, Agency.name)
                .join(Agency, Agency.id == PregnancyNotification.midwifery_agency_id)
                .where(PregnancyNotification.id.in_(ids)))}
