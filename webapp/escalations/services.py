"""Raising an escalation, working it stage by stage, resolving it, and who may see it.

Who may raise what: agency practitioners about a referral they made, a meeting they were invited to (by name, as
webapp/meetings/access.py says), or an information request they may see (to them by name, or to their agency's
inbox); social workers and team managers about their team's cases.
Holders: stage 1 the person raising it and the case's social worker (the allocated one, or the team's duty social
worker); from stage 2 the raising agency's designated safeguarding lead (or the person raising it) on one side,
and the team manager (stage 2), a senior manager (stage 3) and the independent chair (stage 4) on the other.
Everyone who holds or held it, the raising agency and the case's staff see the same record; nobody else learns it
exists."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select

from webapp.audit.services import Origin, record_event
from webapp.auth.roles import Role
from webapp.cases.access import can_see
from webapp.cases.models import Case
from webapp.columns import LONDON
from webapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from webapp.escalations.holders import everyone, tell
from webapp.escalations.models import CATEGORIES, FINAL_STAGE, Escalation, EscalationEntry, EscalationStage
from webapp.extensions import db
from webapp.information_requests.services import requests_for_agency
from webapp.meetings.access import meetings_invited_to
from webapp.workflow import runtime
from webapp.workflow.contract import DiagramNeeds
from webapp.workflow.models import OpenTask

PROCESS = "professional_resolution"
NEEDS = DiagramNeeds(__name__)
RESOLVED = NEEDS.message(PROCESS, "escalation_resolved", "an outcome statement reaches the stage waiting")
NOT_RESOLVED = NEEDS.message(PROCESS, "escalation_not_resolved", "the raiser moves the escalation on")
NOT_FOUND = "There is no such escalation, or it is not one you are part of."


@dataclass(frozen=True)
class Challengeable:
    key: str  # referral-<case id>, meeting-<meeting id>, request-<request id>, case-<case id>
    case: Case
    label: str


def challengeable(actor) -> list[Challengeable]:
    """What the actor may challenge, as choices for the raise form."""
    found: list[Challengeable] = []
    if actor.has_role(Role.AGENCY_PRACTITIONER):
        for case in db.session.scalars(select(Case).where(Case.referred_by_id == actor.id).order_by(Case.id)):
            found.append(Challengeable(f"referral-{case.id}", case, f"The decision on your referral, case {case.reference}"))
        for meeting in sorted(meetings_invited_to(actor), key=lambda m: (m.starts_at, m.id)):
            found.append(Challengeable(f"meeting-{meeting.id}", meeting.case,
                                       f"{meeting.kind_label} on {meeting.starts_at.astimezone(LONDON):%-d %B %Y}, "
                                       f"case {meeting.case.reference}"))
        requests = requests_for_agency(actor) if actor.agency_id is not None else []
        for request in sorted(requests, key=lambda r: r.id):
            found.append(Challengeable(f"request-{request.id}", request.case,
                                       f"The information request of {request.requested_at.astimezone(LONDON):%-d %B %Y}, "
                                       f"case {request.case.reference}"))
    elif actor.has_role(Role.SOCIAL_WORKER, Role.TEAM_MANAGER) and actor.team_id is not None:
        for case in db.session.scalars(select(Case).where(Case.team_id == actor.team_id, Case.closed_at.is_(None))
                                       .order_by(Case.id)):
            found.append(Challengeable(f"case-{case.id}", case, f"Case {case.reference}"))
    return found


class ImmediateRisk(Exception):
    """The child is at immediate risk: a referral or a 999 call comes before any escalation; nothing is saved."""


@dataclass(frozen=True)
class Challenge:
    immediate_risk: str  # yes | no
    about: str
    category: str
    description: str
    risk_now: str
    outcome_sought: str


def raise_escalation(actor, challenge: Challenge, *, origin: Origin, now: datetime) -> Escalation:
    """Open the escalation at stage 1 (its holders are told). Bad answers change nothing."""
    if challenge.immediate_risk == "yes":
        raise ImmediateRisk()
    options = {option.key: option for option in challengeable(actor)}
    errors = {}
    if challenge.immediate_risk != "no":
        errors["immediate_risk"] = "Say whether the child is at immediate risk of harm"
    if challenge.about not in options:
        errors["about"] = "Select what you disagree with"
    if challenge.category not in CATEGORIES:
        errors["category"] = "Select what the disagreement is about"
    for field, message in (("description", "Describe the disagreement"),
                           ("risk_now", "Say what the risk to the child is now"),
                           ("outcome_sought", "Say what outcome you are seeking")):
        if not getattr(challenge, field).strip():
            errors[field] = message
    if errors:
        raise InvalidInput("The escalation was not raised", errors)
    chosen = options[challenge.about]
    escalation = Escalation(case_id=chosen.case.id, raised_by_id=actor.id, agency_id=actor.agency_id,
                            about=chosen.label[:200], category=challenge.category,
                            description=challenge.description.strip()[:10000], risk_now=challenge.risk_now.strip()[:5000],
                            outcome_sought=challenge.outcome_sought.strip()[:5000], raised_at=now)
    db.session.add(escalation)
    db.session.flush()
    record_event("escalation.raised", actor=actor, subject=chosen.case, origin=origin,
                 detail={"escalation_id": escalation.id, "category": escalation.category})
    escalation.workflow_instance_id = runtime.start_instance(PROCESS, "escalations", escalation.id,
                                                             {"escalation_id": escalation.id}, actor=actor, now=now)
    return escalation


# -- reading ---------------------------------------------------------------------------------------------

def may_see(actor, escalation: Escalation) -> bool:
    return (actor.id in {p.id for p in everyone(escalation)}
            or (actor.agency_id is not None and actor.agency_id == escalation.agency_id)
            or actor.has_role(Role.INDEPENDENT_CHAIR)
            or (actor.has_role(Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.SENIOR_MANAGER)
                and can_see(actor, escalation.case)))


def get_escalation(actor, escalation_id: int, *, origin: Origin | None = None) -> Escalation:
    escalation = db.session.get(Escalation, escalation_id)
    if escalation is None or not may_see(actor, escalation):
        raise NotFound(NOT_FOUND)
    if origin is not None:
        record_event("escalation.viewed", actor=actor, subject=escalation.case, origin=origin,
                     detail={"escalation_id": escalation.id})
    return escalation


def my_escalations(actor) -> list[Escalation]:
    """Escalations the actor raised, holds or held, or their agency raised; newest first."""
    held = select(EscalationStage.escalation_id).where(
        (EscalationStage.raiser_holder_id == actor.id) | (EscalationStage.responder_holder_id == actor.id))
    mine = [Escalation.raised_by_id == actor.id, Escalation.id.in_(held)]
    if actor.agency_id is not None:
        mine.append(Escalation.agency_id == actor.agency_id)
    return list(db.session.scalars(select(Escalation).where(or_(*mine)).order_by(Escalation.raised_at.desc())))


def open_on_case(case_id: int) -> list[Escalation]:
    """Escalations not yet resolved, oldest first (a case's open work before it closes)."""
    return list(db.session.scalars(select(Escalation).where(Escalation.case_id == case_id, Escalation.status == "open")
                                   .order_by(Escalation.raised_at, Escalation.id)))


def on_case(case_id: int) -> list[Escalation]:
    return list(db.session.scalars(select(Escalation).where(Escalation.case_id == case_id)
                                   .order_by(Escalation.raised_at.desc())))


# -- working a stage -------------------------------------------------------------------------------------

def _current(actor, escalation_id: int) -> tuple[Escalation, EscalationStage]:
    escalation = get_escalation(actor, escalation_id)
    stage = escalation.current_stage
    if escalation.status != "open" or stage is None:
        raise Conflict("This escalation has been resolved; its record can no longer change.")
    if actor.id not in {stage.raiser_holder_id, stage.responder_holder_id}:
        raise PermissionDenied(f"{stage.label} is held by {stage.raiser_holder.full_name} and "
                               f"{stage.responder_holder.full_name if stage.responder_holder else 'nobody yet'}.")
    return escalation, stage


def _actions(rows: list[dict], errors: dict) -> list[dict]:
    kept = []
    for index, row in enumerate(rows):
        if not any(str(value).strip() for value in row.values()):
            continue
        try:
            due = date.fromisoformat(row.get("due_on", ""))
        except ValueError:
            errors[f"actions-{index}-due_on"] = "Enter a real date for when the action is due"
            continue
        if not row.get("action", "").strip() or not row.get("owner", "").strip():
            errors[f"actions-{index}-action"] = "Enter each action and who will do it"
            continue
        kept.append({"action": row["action"].strip()[:500], "owner": row["owner"].strip()[:200],
                     "due_on": due.isoformat()})
    return kept


def add_entry(actor, escalation_id: int, discussion: str, actions: list[dict], *, origin: Origin,
              now: datetime) -> EscalationEntry:
    """The discussion and any actions agreed (who, by when), recorded by either holder of the current stage."""
    escalation, stage = _current(actor, escalation_id)
    errors: dict[str, str] = {}
    kept = _actions(actions, errors)
    if not discussion.strip():
        errors["discussion"] = "Record what was discussed"
    if errors:
        raise InvalidInput("Nothing was recorded", errors)
    entry = EscalationEntry(escalation_id=escalation.id, stage_number=stage.number, author_id=actor.id,
                            written_at=now, discussion=discussion.strip()[:10000], actions=kept)
    db.session.add(entry)
    record_event("escalation.entry_added", actor=actor, subject=escalation.case, origin=origin,
                 detail={"escalation_id": escalation.id, "stage": stage.number})
    return entry


def resolve(actor, escalation_id: int, statement: str, *, origin: Origin, now: datetime) -> Escalation:
    """The outcome statement. At stages 1 to 3 the case's side writes it and it is agreed only when the side
    that raised it confirms it (confirm_outcome); at stage 4 the independent chair's decision is final: it goes
    on the case record at once and every party is told."""
    escalation, stage = _current(actor, escalation_id)
    if stage.number == FINAL_STAGE and actor.id != stage.responder_holder_id:
        raise PermissionDenied("At stage 4 the partnership's independent chair records the outcome.")
    if actor.id != stage.responder_holder_id:
        raise PermissionDenied("The case's side writes the outcome statement; the side that raised it confirms "
                               "it, or takes it to the next stage.")
    if stage.awaiting_confirmation:
        raise Conflict("An outcome statement is already waiting for the confirmation of the side that raised it.")
    if not statement.strip():
        raise InvalidInput("The escalation was not resolved", {"statement": "Write the agreed outcome statement"})
    if stage.number == FINAL_STAGE:
        runtime.send_message(escalation.workflow_instance_id, RESOLVED, {"escalation_id": escalation.id},
                             actor=actor, now=now)
        return _agreed(actor, escalation, stage, statement.strip()[:10000], origin=origin, now=now)
    stage.proposed_statement, stage.proposed_by_id, stage.proposed_at = statement.strip()[:10000], actor.id, now
    runtime.send_message(escalation.workflow_instance_id, RESOLVED, {"escalation_id": escalation.id},
                         actor=actor, now=now)
    record_event("escalation.outcome_proposed", actor=actor, subject=escalation.case, origin=origin,
                 detail={"escalation_id": escalation.id, "stage": stage.number})
    due = confirmation_due(escalation)
    tell(_raiser_side(escalation, stage), escalation, f"Confirm the agreed outcome: case {escalation.case.reference}",
         [f"The case's side wrote an outcome statement for the escalation about case {escalation.case.reference}.",
          "It is agreed, and placed on the case record, only when you confirm it. If you do not agree, say why and "
          f"it moves to stage {stage.number + 1}.",
          f"Please confirm it or say why not by {due.astimezone(LONDON):%-d %B %Y}; if it is not confirmed by "
          "then, the escalation moves to the next stage." if due else ""])
    return escalation


def _raiser_side(escalation: Escalation, stage: EscalationStage) -> list:
    """Who may confirm an outcome: the stage's holder on the raiser's side, and the person who raised it."""
    return list({p.id: p for p in (stage.raiser_holder, escalation.raised_by)}.values())


def _agreed(actor, escalation: Escalation, stage: EscalationStage, statement: str, *, origin: Origin,
            now: datetime) -> Escalation:
    stage.closed_at, stage.outcome = now, "resolved"
    escalation.status, escalation.resolved_at, escalation.resolved_by_id = "resolved", now, actor.id
    escalation.outcome_statement = statement
    record_event("case.escalation_resolved", actor=actor, subject=escalation.case, origin=origin,
                 detail={"escalation_id": escalation.id, "stage": stage.number})
    tell(everyone(escalation), escalation, f"Escalation resolved: case {escalation.case.reference}",
         [f"The escalation about case {escalation.case.reference} was resolved at stage {stage.number}.",
          "The agreed outcome statement is on the escalation's page and on the case record."])
    return escalation


def confirmation_step(escalation: Escalation) -> OpenTask | None:
    """The open "Confirm the agreed outcome" step of the escalation's current stage, if one waits."""
    return db.session.scalar(select(OpenTask).where(OpenTask.instance_id == escalation.workflow_instance_id,
                                                    OpenTask.bpmn_id.like("confirm_outcome_%")))


def confirmation_due(escalation: Escalation) -> datetime | None:
    """When the confirmation is due: the running timer's own date (the stage's deadline)."""
    step = confirmation_step(escalation)
    return step.due_at if step is not None else None


def _pending(actor, escalation_id: int) -> tuple[Escalation, EscalationStage, str]:
    """The escalation, its stage and the id of the confirmation step waiting for the actor's side."""
    escalation = get_escalation(actor, escalation_id)
    stage = escalation.current_stage
    if escalation.status != "open" or stage is None:
        raise Conflict("This escalation has been resolved; its record can no longer change.")
    if actor.id not in {p.id for p in _raiser_side(escalation, stage)}:
        raise PermissionDenied("The side that raised it confirms the outcome statement.")
    step = confirmation_step(escalation) if stage.awaiting_confirmation else None
    if step is None:
        raise Conflict("No outcome statement is waiting for confirmation: reload the page to see where it is now.")
    task_id = step.task_id
    db.session.expunge(step)
    return escalation, stage, task_id


def confirm_outcome(actor, escalation_id: int, *, origin: Origin, now: datetime) -> Escalation:
    """The raiser's side agrees the statement: it is the agreed outcome, on the case record; every party is told."""
    escalation, stage, task_id = _pending(actor, escalation_id)
    runtime.complete_task(escalation.workflow_instance_id, task_id, {"outcome_agreed": True}, actor=actor, now=now)
    return _agreed(actor, escalation, stage, stage.proposed_statement, origin=origin, now=now)


def disagree_outcome(actor, escalation_id: int, reason: str, *, origin: Origin, now: datetime) -> Escalation:
    """The raiser's side does not agree the statement: with their reason, the next stage opens (its holders are
    told); the statement stays on the stage's record, never on the case's."""
    escalation, stage, task_id = _pending(actor, escalation_id)
    if not reason.strip():
        raise InvalidInput("The outcome was not answered", {"disagreement": "Say why you do not agree"})
    db.session.add(EscalationEntry(escalation_id=escalation.id, stage_number=stage.number, author_id=actor.id,
                                   written_at=now, actions=[],
                                   discussion=f"Outcome statement not agreed: {reason.strip()[:9000]}"))
    stage.closed_at, stage.outcome = now, "disagreed"  # before the next stage opens, so its notice says why
    record_event("escalation.outcome_disagreed", actor=actor, subject=escalation.case, origin=origin,
                 detail={"escalation_id": escalation.id, "stage": stage.number})
    runtime.complete_task(escalation.workflow_instance_id, task_id, {"outcome_agreed": False}, actor=actor, now=now)
    return escalation


def not_resolved(actor, escalation_id: int, reason: str, *, origin: Origin, now: datetime) -> Escalation:
    """The raiser's side is not satisfied: the stage closes and the next one opens (its holders are told)."""
    escalation, stage = _current(actor, escalation_id)
    if actor.id != stage.raiser_holder_id or stage.number == FINAL_STAGE:
        raise PermissionDenied("Only the side that raised it can take it to the next stage, up to stage 4.")
    if stage.awaiting_confirmation:
        raise Conflict("An outcome statement is waiting for your answer: confirm it, or say why you do not agree "
                       "and it moves to the next stage.")
    if not reason.strip():
        raise InvalidInput("The escalation was not moved on", {"reason": "Say why it is not resolved"})
    db.session.add(EscalationEntry(escalation_id=escalation.id, stage_number=stage.number, author_id=actor.id,
                                   written_at=now, discussion=f"Not resolved: {reason.strip()[:9000]}", actions=[]))
    stage.closed_at, stage.outcome = now, "escalated"
    record_event("escalation.not_resolved", actor=actor, subject=escalation.case, origin=origin,
                 detail={"escalation_id": escalation.id, "stage": stage.number})
    runtime.send_message(escalation.workflow_instance_id, NOT_RESOLVED,
                         {"escalation_id": escalation.id}, actor=actor, now=now)
    return escalation
