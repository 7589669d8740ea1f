"""Administration of partner agencies."""
from __future__ import annotations

from sqlalchemy import func, select

from webapp.agencies.models import Agency, AgencyKind
from webapp.audit.services import Origin, record_event
from webapp.auth.models import User
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
                agency_id: int | None = None, origin: Origin, safeguarding_lead_id: int | None = None,
                is_secure_mailbox: bool = False) -> Agency:
    """Create an agency, or change one when agency_id is given; marking its mailbox secure is audited apart."""
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
    was_secure = bool(agency.is_secure_mailbox)
    agency.safeguarding_lead_id = safeguarding_lead_id
    agency.name, agency.kind, agency.email, agency.is_active = name, kind, (email or "").strip().lower() or None, is_active
    agency.is_secure_mailbox = bool(is_secure_mailbox)
    db.session.add(agency)
    db.session.flush()
    record_event("agency.saved", actor=actor, subject=agency, origin=origin)
    if agency.is_secure_mailbox != was_secure:
        # Who decided that this mailbox may receive children's names, and when: its own row, easy to find.
        record_event("agency.mailbox_security_changed", actor=actor, subject=agency, origin=origin,
                     detail={"is_secure_mailbox": agency.is_secure_mailbox, "email": agency.email})
    return agency


def may_receive_identifying_details(address: str | None) -> bool:
    """Whether an e-mail to this address may name a child or give their date of birth: the one rule every notice
    follows."""
    # Yes for staff of children's social care (people in a team: the council's own mail) and for the shared
    # mailbox and practitioners of an agency an administrator marked secure; no for anyone else (family members,
    # guests, unknown addresses). An address also known insecurely (a second account, another agency's mailbox)
    # is refused: the safer reading wins.
    wanted = (address or "").strip().lower()
    if not wanted:
        return False
    people = db.session.execute(
        select(User.team_id, User.agency_id, Agency.is_secure_mailbox)
        .outerjoin(Agency, Agency.id == User.agency_id)
        .where(func.lower(User.email) == wanted, User.is_active.is_(True))).all()
    verdicts = [row.team_id is not None or (row.agency_id is not None and bool(row.is_secure_mailbox))
                for row in people]
    verdicts += [bool(secure) for secure in db.session.scalars(
        select(Agency.is_secure_mailbox).where(func.lower(Agency.email) == wanted))]
    return bool(verdicts) and all(verdicts)
