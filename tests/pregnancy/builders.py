"""Pregnancy notifications made through the real service, as mw1 of the demo partnership."""
from datetime import datetime, timezone

from sqlalchemy import select

from webapp.agencies.models import Agency, AgencyKind
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.pregnancy import services


def notification_answers(session, mother="Pat Demochild", postcode="HG1 1AA", due="2026-09-07", **extra) -> dict:
    """Pat Demochild (the mother in tests.cases.builders.referral_answers), due 7 September 2026."""
    health_visiting = session.scalar(select(Agency).where(Agency.kind == AgencyKind.HEALTH_VISITING.value))
    return {"mother_name": mother, "address": "1 Demo Street, Harrogate", "postcode": postcode,
            "expected_delivery_on": due, "booked_on": "2026-02-20", "gestation_at_booking_weeks": 11,
            "health_visiting_agency_id": health_visiting.id, "consent_to_share": True,
            "safeguarding_flags": ["domestic_abuse"], "safeguarding_details": "Police callout last year", **extra}


def notify(session, **extra):
    midwife = session.scalar(select(User).where(User.username == "mw1"))
    return services.notify_pregnancy(midwife, notification_answers(session, **extra), origin=NO_ORIGIN,
                                     now=datetime.now(timezone.utc))
