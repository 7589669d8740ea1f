"""How the audit trail names information requests (webapp/audit/records.py; wired in webapp/wiring.py)."""
from __future__ import annotations

from typing import Collection

from sqlalchemy import select

from webapp.agencies.models import Agency
from webapp.extensions import db
from webapp.information_requests.models import InformationRequest


def name_requests(ids: Collection[int]) -> dict[int, str]:
    """"Information request to Riverside Primary School"."""
    return {row.id: f"Information request to {row.name}"
            for row in db.session.execute(select(InformationRequest.id, Agency.name)
                                          .join(Agency, Agency.id == InformationRequest.agency_id)
                                          .where(InformationRequest.id.in_(ids)))}
