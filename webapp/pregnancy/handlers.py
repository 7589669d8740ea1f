"""What the pregnancy-notification diagram asks: chase health visiting, escalate, tell the midwife."""
from __future__ import annotations

from webapp.audit.services import record_event
from webapp.extensions import db
from webapp.pregnancy.models import PregnancyNotification
from webapp.pregnancy.notices import tell_health_visiting, tell_midwife, tell_safeguarding_lead_and_midwife
from webapp.workflow.handlers import ServiceCall


def _notification(call: ServiceCall) -> PregnancyNotification:
    return db.session.get(PregnancyNotification, call.subject_id)


def chase_pregnancy_notification(call: ServiceCall) -> None:
    notification = _notification(call)
    notification.chased_at = call.now
    tell_health_visiting(notification, "Reminder: pregnancy notification not acknowledged",
                         "A pregnancy notified by midwifery has not been acknowledged, and its deadline has come.")
    record_event("pregnancy.chased", actor_label="workflow", subject=notification)


def escalate_pregnancy_notification(call: ServiceCall) -> None:
    notification = _notification(call)
    notification.escalated_at = call.now
    tell_safeguarding_lead_and_midwife(
        notification, "Pregnancy notification unacknowledged",
        f"{notification.health_visiting_agency.name} has not acknowledged a pregnancy notification, even after a "
        "reminder. Please make sure a health visitor takes it on.")
    record_event("pregnancy.escalated", actor_label="workflow", subject=notification)


def pregnancy_notification_acknowledged(call: ServiceCall) -> None:
    notification = _notification(call)
    tell_midwife(notification, "Pregnancy notification acknowledged",
                 f"{notification.health_visiting_agency.name} has acknowledged your notification.")
