"""Messages to an agency about its requests (kept apart from the services, which start workflows)."""
from __future__ import annotations

from sqlalchemy import select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.information_requests.models import InformationRequest
from webapp.mail.delivery import SERVICE_URL_MARK
from webapp.mail.services import queue_message


def _agency_recipients(request: InformationRequest) -> list[str]:
    if request.addressed_to is not None:
        return [request.addressed_to.email]
    people = db.session.scalars(select(User.email).where(User.agency_id == request.agency_id,
                                                         User.is_active.is_(True))).all()
    return sorted({*people, *([request.agency.email] if request.agency.email else [])})


def tell_agency(request: InformationRequest, title: str, text: str) -> None:
    for address in _agency_recipients(request):
        queue_message("information_request", address, f"{title}: case {request.case.reference}",
                      f"{text}\n\nCase reference: {request.case.reference}\n"
                      f"Answer it here: {SERVICE_URL_MARK}/requests/{request.id}\n\nOFFICIAL-SENSITIVE",
                      case_id=request.case_id, agency_id=request.agency_id)
