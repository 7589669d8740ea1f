"""The information requests' part of a subject access export: each question asked of an agency and its answer."""
from __future__ import annotations

from webapp.cases.models import Case
from webapp.information_requests.services import requests_on_case


def requests_part(case: Case) -> dict[str, object]:
    return {"information_requests.json": [
        {"agency": r.agency.name, "question": r.question, "requested_at": r.requested_at,
         "answered_at": r.answered_at, "answer": r.answer} for r in requests_on_case(case.id)]}
