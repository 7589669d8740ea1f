"""How the audit trail names queued e-mails (webapp/audit/records.py; wired in webapp/wiring.py): by the subject,
which never carries personal data."""
from __future__ import annotations

from typing import Collection

from sqlalchemy import select

from webapp.extensions import db
from webapp.mail.models import OutboxMessage


def name_messages(ids: Collection[int]) -> dict[int, str]:
    return {row.id: f"E-mail “{row.subject}”"
            for row in db.session.execute(select(OutboxMessage.id, OutboxMessage.subject)
                                          .where(OutboxMessage.id.in_(ids)))}
