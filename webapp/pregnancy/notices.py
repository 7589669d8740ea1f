"""Messages about a pregnancy notification: they quote its reference, never the mother's name or the concerns."""
from __future__ import annotations

from sqlalchemy import select

from webapp.auth.models import User
from webapp.extensions import db
from webapp.mail.delivery import SERVICE_URL_MARK
from webapp.mail.services import queue_message
from webapp.pregnancy.models import PregnancyNotification


def _send(addresses, notification: PregnancyNotification, title: str, text: str, agency_id: int) -> None:
    for address in sorted({a for a in addresses if a}):
        queue_message("pregnancy_notification", address, f"{title}: {notification.reference}",
                      f"{text}\n\nReference: {notification.reference}\n"
                      f"Open it here: {SERVICE_URL_MARK}/pregnancy-notifications/{notification.id}\n\nOFFICIAL-SENSITIVE",
                      agency_id=agency_id)


def tell_health_visiting(notification: PregnancyNotification, title: str, text: str) -> None:
    """Everyone in the health visiting team, and its shared mailbox."""
    agency = notification.health_visiting_agency
    people = db.session.scalars(select(User.email).where(User.agency_id == agency.id, User.is_active.is_(True)))
    _send([*people, agency.email], notification, title, text, agency.id)


def tell_safeguarding_lead_and_midwife(notification: PregnancyNotification, title: str, text: str) -> None:
    """Health visiting's safeguarding lead (its shared mailbox when it names none) and the notifying midwife."""
    agency = notification.health_visiting_agency
    lead = agency.safeguarding_lead.email if agency.safeguarding_lead else agency.email
    _send([lead], notification, title, text, agency.id)
    tell_midwife(notification, title, text)


def tell_midwife(notification: PregnancyNotification, title: str, text: str) -> None:
    _send([notification.notified_by.email], notification, title, text, notification.midwifery_agency_id)
