"""Administration of partner agencies."""
from __future__ import annotations

from sqlalchemy import func, select

from webapp.agencies.models import Agency, AgencyKind
from webapp.audit.services import Origin, record_event
from webapp.auth.user_admin import require_administrator
from webapp.errors import InvalidInput, NotFound
from webapp.extensions import db


def list_agencies(actor) -> list[Agency]:
    require_administrator(actor)
    return list(db.session.scalars(select(Agency).order_by(Agency.is_active.desc(), Agency.name)))


def get_agency(actor, agency_id: int | None) -> Agency | None:
    """The agency to change, or None for a new one; administrators only either way."""
    require_administrator(actor)
    if agency_id is None:
        return None
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise NotFound("There is no such agency.")
    return agency


def save_agency(actor, *, name: str, kind: str, email: str | None, is_active: bool = True,
                agency_id: int | None = None, origin: Origin, safeguarding_lead_id: int | None = None) -> Agency:
    """Create an agency, or change one when agency_id is given."""
    require_administrator(actor)
    name = " ".join(name.split())
    errors = {}
    if not name:
        errors["name"] = "Enter the agency's name"
    else:
        clash = db.session.scalar(select(Agency).where(func.lower(Agency.name) == name.lower()))
        if clash is not None and clash.id != agency_id:
            errors["name"] = "An agency with that name exists already"
    if kind not in {k.value for k in AgencyKind}:
        errors["kind"] = "Select the kind of agency"
    agency = Agency() if agency_id is None else get_agency(actor, agency_id)
    if safeguarding_lead_id is not None and safeguarding_lead_id not in {u.id for u in agency.members if u.is_active}:
        errors["safeguarding_lead_id"] = "Choose one of the agency's own practitioners"
    if errors:
        raise InvalidInput("The agency was not saved", errors)
    agency.safeguarding_lead_id = safeguarding_lead_id
    agency.name, agency.kind, agency.email, agency.is_active = name, kind, (email or "").strip().lower() or None, is_active
    db.session.add(agency)
    db.session.flush()
    record_event("agency.saved", actor=actor, subject=agency, origin=origin)
    return agency
