"""Pregnancy notifications from midwifery to health visiting. Health visiting acknowledges each one before the
partnership's gestation deadline; the workflow chases and escalates. Midwives and health visitors see only their
agency's notifications and never learn whether children's social care knows the family."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from webapp.agencies.models import AgencyKind
from webapp.audit.services import Origin, record_event
from webapp.auth.roles import Role
from webapp.cases.choices import check_choices, choice_provider
from webapp.cases.referrals import normal_postcode
from webapp.columns import LONDON
from webapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from webapp.extensions import db
from webapp.pregnancy.matching import candidate_households
from webapp.pregnancy.models import HouseholdMatch, PregnancyNotification
from webapp.pregnancy.notices import tell_health_visiting
from webapp.workflow import runtime
from webapp.workflow.contract import DiagramNeeds
from webapp.workflow.dues import timer_dues
from webapp.workflow.forms import form_validator, validate_submission
from webapp.workflow.models import OpenTask

PROCESS = "pregnancy_notification"
NEEDS = DiagramNeeds(__name__)
ACKNOWLEDGEMENT_TIMER = NEEDS.element(PROCESS, "acknowledgement_due", "the acknowledgement's due date")
ACKNOWLEDGEMENT_STEP = NEEDS.element(PROCESS, "acknowledge_notification", "health visiting acknowledges on it")
ACKNOWLEDGEMENT_FORM = NEEDS.form(PROCESS, "pregnancy_acknowledgement", "the acknowledgement page")
NOTIFIED_ON = NEEDS.data(PROCESS, "notified_on", "a notification starts its process with it")
DELIVERY_ON = NEEDS.data(PROCESS, "expected_delivery_on", "a notification starts its process with it")
NOTIFICATION_FORM = json.loads((Path(__file__).parent / "notification_schema.json").read_text())
NOTIFICATION_VALIDATOR = form_validator(NOTIFICATION_FORM)
NOT_FOUND = "There is no such pregnancy notification for your agency."


def _agency_kind(actor) -> str | None:
    if not actor.has_role(Role.AGENCY_PRACTITIONER) or actor.agency is None:
        return None
    return actor.agency.kind


def require_midwife(actor) -> None:
    if _agency_kind(actor) != AgencyKind.MIDWIFERY.value:
        raise PermissionDenied("Pregnancies are notified by midwives.")


def check_notification(answers: dict, today: date) -> dict:
    """The notification checked against its form, the agencies and the calendar; InvalidInput with every problem."""
    errors = check_choices(NOTIFICATION_FORM, answers, choice_provider(None))
    try:
        answers = validate_submission(NOTIFICATION_VALIDATOR, answers)
    except InvalidInput as invalid:
        errors = {**invalid.field_errors, **errors}
    dates = {key: date.fromisoformat(answers[key]) for key in ("expected_delivery_on", "booked_on")
             if answers.get(key) and key not in errors}
    if "booked_on" in dates and dates["booked_on"] > today:
        errors["booked_on"] = "The booking appointment must be today or in the past"
    if "expected_delivery_on" in dates and not (
            today - timedelta(weeks=2) <= dates["expected_delivery_on"] <= today + timedelta(weeks=42)):
        errors["expected_delivery_on"] = "The expected date of delivery must be within the next 42 weeks"
    if len(dates) == 2 and isinstance(answers.get("gestation_at_booking_weeks"), int):
        # 40 weeks at the expected date: the dates give the gestation at booking, to within the dating scan's margin
        weeks = 40 - (dates["expected_delivery_on"] - dates["booked_on"]).days / 7
        if abs(weeks - answers["gestation_at_booking_weeks"]) > 2:
            errors.setdefault("gestation_at_booking_weeks", f"The dates give about {weeks:.0f} weeks at booking: "
                                                            "check the gestation or the dates")
    if errors:
        raise InvalidInput("The notification was not sent: check the answers", errors)
    return answers


def notify_pregnancy(actor, answers: dict, *, origin: Origin, now: datetime) -> PregnancyNotification:
    """Record the midwife's notification, start its workflow and tell health visiting; the household match is
    worked out for children's social care only."""
    require_midwife(actor)
    answers = check_notification(answers, now.astimezone(LONDON).date())
    notification = PregnancyNotification(
        midwifery_agency_id=actor.agency_id, health_visiting_agency_id=answers["health_visiting_agency_id"],
        notified_by_id=actor.id, notified_at=now, mother_name=" ".join(answers["mother_name"].split()),
        postcode=normal_postcode(answers["postcode"]),
        expected_delivery_on=date.fromisoformat(answers["expected_delivery_on"]), details=answers)
    db.session.add(notification)
    db.session.flush()
    if candidate_households(notification):
        notification.household_match = HouseholdMatch.PENDING.value
    notification.workflow_instance_id = runtime.start_instance(
        PROCESS, "pregnancy_notifications", notification.id,
        {NOTIFIED_ON: now.astimezone(LONDON).date().isoformat(),
         DELIVERY_ON: notification.expected_delivery_on.isoformat()}, actor=actor, now=now)
    due = acknowledgement_due(notification)
    tell_health_visiting(notification, "Pregnancy notification",
                         "Midwifery has notified a pregnancy to your team."
                         + (f" Acknowledge it by {due:%-d %B %Y}." if due else ""))
    record_event("pregnancy.notified", actor=actor, subject=notification, origin=origin,
                 detail={"health_visiting_agency_id": notification.health_visiting_agency_id})
    return notification


def acknowledgement_task(notification: PregnancyNotification) -> OpenTask | None:
    return db.session.scalar(select(OpenTask).where(OpenTask.instance_id == notification.workflow_instance_id,
                                                    OpenTask.bpmn_id == ACKNOWLEDGEMENT_STEP))


def acknowledgement_dues(notifications: list[PregnancyNotification]) -> dict[int, date]:
    """The last day health visiting has to acknowledge each unacknowledged one (id -> date), as the diagram's
    acknowledgement timer has it (moved by every re-arm), in one query for a list."""
    ids = {n.workflow_instance_id: n.id for n in notifications}
    dues = timer_dues(ids, ACKNOWLEDGEMENT_TIMER)
    return {ids[instance_id]: due.day for instance_id, due in dues.items() if due.state != "cancelled"}


def acknowledgement_due(notification: PregnancyNotification) -> date | None:
    """The last day health visiting has to acknowledge (None once acknowledged)."""
    return acknowledgement_dues([notification]).get(notification.id)


def _agency_condition(actor):
    kind = _agency_kind(actor)
    if kind == AgencyKind.MIDWIFERY.value:
        return PregnancyNotification.midwifery_agency_id == actor.agency_id
    if kind == AgencyKind.HEALTH_VISITING.value:
        return PregnancyNotification.health_visiting_agency_id == actor.agency_id
    return None


def notifications_for_agency(actor, text: str = "") -> list[PregnancyNotification]:
    """The notifications the actor's midwifery team sent or health visiting team received, awaiting first; a search
    looks only at these, by the mother's name or the reference."""
    condition = _agency_condition(actor)
    if condition is None:
        raise PermissionDenied("Pregnancy notifications are for midwifery and health visiting.")
    query = select(PregnancyNotification).where(condition)
    text = text.strip()
    if text:
        reference = text.upper().removeprefix("PN-").lstrip("0")
        query = query.where(func.lower(PregnancyNotification.mother_name).contains(text.lower())
                            | (PregnancyNotification.id == (int(reference) if reference.isdecimal() else -1)))
    return list(db.session.scalars(query.order_by(PregnancyNotification.acknowledged_at.is_not(None),
                                                  PregnancyNotification.expected_delivery_on)))


def open_notification(actor, notification_id: int, *, origin: Origin) -> tuple[PregnancyNotification, OpenTask | None]:
    """A notification of the actor's agency and, for health visiting, its open acknowledgement step."""
    condition = _agency_condition(actor)
    notification = db.session.scalar(select(PregnancyNotification).where(
        PregnancyNotification.id == notification_id, condition)) if condition is not None else None
    if notification is None:
        raise NotFound(NOT_FOUND)
    record_event("pregnancy.viewed", actor=actor, subject=notification, origin=origin)
    is_health_visiting = _agency_kind(actor) == AgencyKind.HEALTH_VISITING.value
    return notification, acknowledgement_task(notification) if is_health_visiting else None


def acknowledgement_form(notification: PregnancyNotification) -> dict:
    return runtime.step_form(notification.workflow_instance_id, ACKNOWLEDGEMENT_FORM)


def acknowledge(actor, notification_id: int, answers: dict, *, origin: Origin, now: datetime) -> PregnancyNotification:
    """Health visiting takes the notification on: the named health visitor and the antenatal contact."""
    notification, task = open_notification(actor, notification_id, origin=origin)
    if task is None:
        if notification.acknowledged_at and _agency_kind(actor) == AgencyKind.HEALTH_VISITING.value:
            raise Conflict(f"This notification was acknowledged by {notification.acknowledged_by.full_name} on "
                           f"{notification.acknowledged_at.astimezone(LONDON):%-d %B %Y}.")
        raise PermissionDenied("Notifications are acknowledged by the health visiting team they were sent to.")
    task_id = task.task_id
    db.session.expunge(task)
    notification.acknowledgement = runtime.complete_task(notification.workflow_instance_id, task_id, answers,
                                                         actor=actor, now=now)
    notification.acknowledged_at, notification.acknowledged_by_id = now, actor.id
    db.session.flush()
    record_event("pregnancy.acknowledged", actor=actor, subject=notification, origin=origin)
    return notification
