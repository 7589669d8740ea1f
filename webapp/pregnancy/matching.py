"""Children's social care's side of a pregnancy notification: a mother who may belong to a household it knows.
A social worker who can see a case of that household confirms the match (the unborn baby joins the household,
beside its brothers and sisters, and the allocated workers are told) or rejects it. Nothing is linked unconfirmed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from webapp.audit.services import Origin, record_event
from webapp.auth.roles import Role
from webapp.cases.access import can_see
from webapp.cases.models import Case, Child, Household, HouseholdMember, Stage
from webapp.columns import LONDON
from webapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from webapp.extensions import db
from webapp.mail.delivery import SERVICE_URL_MARK
from webapp.mail.services import queue_message
from webapp.pregnancy.models import HouseholdMatch, PregnancyNotification

NOT_FOUND = "There is no such pregnancy notification for your team."


@dataclass
class Candidate:
    household: Household
    reasons: list[str]
    cases: list[Case]  # the household's cases the actor may see


@dataclass
class NotificationMatch:
    notification: PregnancyNotification
    candidates: list[Candidate]


def candidate_households(notification: PregnancyNotification) -> list[Household]:
    """Known households at the mother's postcode with a person of her name."""
    return list(db.session.scalars(
        select(Household).where(Household.postcode == notification.postcode, Household.members.any(
            func.lower(HouseholdMember.full_name) == notification.mother_name.lower())).order_by(Household.id)))


def _require_casework(actor) -> None:
    if not actor.has_role(Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.SENIOR_MANAGER):
        raise PermissionDenied("Pregnancy notifications matching known families are for children's social care.")


def _household_cases(household: Household) -> list[Case]:
    return [case for child in household.children for case in child.cases]


def _match(actor, notification: PregnancyNotification) -> NotificationMatch | None:
    """The notification with the households the actor may see (None when they may see none of them)."""
    households = [notification.household] if notification.household else candidate_households(notification)
    candidates = []
    for household in households:
        cases = [case for case in _household_cases(household) if can_see(actor, case)]
        if cases:
            reasons = [f"{m.full_name} ({m.relationship_to_child or 'household member'})" for m in household.members
                       if m.full_name.lower() == notification.mother_name.lower()]
            candidates.append(Candidate(household, reasons, cases))
    return NotificationMatch(notification, candidates) if candidates else None


def matches_for_social_care(actor, *, origin: Origin) -> list[NotificationMatch]:
    """Notifications whose mother may belong to a household of the actor's cases: undecided first."""
    _require_casework(actor)
    notifications = db.session.scalars(select(PregnancyNotification).where(
        PregnancyNotification.household_match.in_([HouseholdMatch.PENDING.value, HouseholdMatch.CONFIRMED.value]))
        .order_by(PregnancyNotification.household_match != HouseholdMatch.PENDING.value,
                  PregnancyNotification.notified_at.desc()))
    matches = [match for match in (_match(actor, n) for n in notifications) if match is not None]
    if matches:
        record_event("pregnancy.matches_shown", actor=actor, origin=origin,
                     detail={"notification_ids": [m.notification.id for m in matches]})
    return matches


def open_match(actor, notification_id: int, *, origin: Origin) -> NotificationMatch:
    _require_casework(actor)
    notification = db.session.get(PregnancyNotification, notification_id)
    match = _match(actor, notification) if notification is not None and \
        notification.household_match != HouseholdMatch.NONE.value else None
    if match is None:
        raise NotFound(NOT_FOUND)
    record_event("pregnancy.viewed", actor=actor, subject=notification, origin=origin)
    return match


def decide_match(actor, notification_id: int, household_id: int | None, *, origin: Origin,
                 now: datetime) -> PregnancyNotification:
    """Confirm that the mother belongs to one of the households shown (household_id) or that none is hers (None)."""
    if not actor.has_role(Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
        raise PermissionDenied("A social worker or team manager confirms the household.")
    match = open_match(actor, notification_id, origin=origin)
    notification = match.notification
    if notification.household_match != HouseholdMatch.PENDING.value:
        raise Conflict(f"This was decided by {notification.match_decided_by.full_name} on "
                       f"{notification.match_decided_at.astimezone(LONDON):%-d %B %Y}.")
    notification.match_decided_by_id, notification.match_decided_at = actor.id, now
    if household_id is None:
        notification.household_match = HouseholdMatch.REJECTED.value
        record_event("pregnancy.match_rejected", actor=actor, subject=notification, origin=origin)
        return notification
    candidate = next((c for c in match.candidates if c.household.id == household_id), None)
    if candidate is None:
        raise InvalidInput("Select one of the households shown", {"household": "Select one of the households shown"})
    _link_unborn_baby(actor, notification, candidate, origin=origin)
    return notification


def _link_unborn_baby(actor, notification: PregnancyNotification, candidate: Candidate, *, origin: Origin) -> None:
    household = candidate.household
    baby = Child(household=household, given_names="Unborn baby", family_name=notification.mother_name.split()[-1],
                 expected_delivery_on=notification.expected_delivery_on)
    db.session.add(baby)
    db.session.flush()
    notification.household_match = HouseholdMatch.CONFIRMED.value
    notification.household_id, notification.unborn_child_id = household.id, baby.id
    record_event("pregnancy.match_confirmed", actor=actor, subject=notification, origin=origin,
                 detail={"household_id": household.id, "child_id": baby.id})
    for case in _household_cases(household):
        if case.stage == Stage.CLOSED.value:
            continue
        record_event("case.unborn_sibling_linked", actor=actor, subject=case, origin=origin,
                     detail={"notification_id": notification.id, "child_id": baby.id})
        if case.allocated_worker is not None:
            queue_message("pregnancy_linked", case.allocated_worker.email,
                          f"Unborn baby linked to the household: case {case.reference}",
                          "A pregnancy notified by midwifery has been confirmed as belonging to the household of a "
                          "child whose case you hold. The unborn baby is now shown with the brothers and sisters.\n\n"
                          f"Case reference: {case.reference}\nOpen the case: {SERVICE_URL_MARK}/cases/{case.id}\n\n"
                          "OFFICIAL-SENSITIVE", case_id=case.id)
