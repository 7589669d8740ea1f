"""The CIN plan's actions, tracked like the actions minutes set: each plan written (the first, one amended at a
review, or a correction of the latest) turns its `actions` into CaseAction rows, and the plan before it stops
being what is to be done. Done actions stay done. An action may name the account that owns it, the agency that
owns it, or both. The owner, every practitioner of the owning agency and the case's social worker and team
manager may mark one done; the home page lists each person's own and their agency's."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select

from webapp.agencies.models import Agency
from webapp.audit.services import Origin, record_event
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.cases.access import can_do_step, can_see
from webapp.cases.models import Case, StepRecord
from webapp.errors import Conflict, NotFound, PermissionDenied
from webapp.extensions import db
from webapp.minutes.models import CaseAction
from webapp.workflow.contract import DiagramNeeds

NEEDS = DiagramNeeds(__name__)
PLAN_FORM = NEEDS.form("section17", "cin_plan", "the plan (first and amended): its PDF, its tracked actions")
PLAN_STEP = NEEDS.element("section17", "cin_plan", "the latest plan's outcomes start the review minutes")


def latest_plan(case_id: int) -> StepRecord | None:
    """The plan the case works to now: its latest plan record."""
    return db.session.scalar(select(StepRecord).where(StepRecord.case_id == case_id, StepRecord.form_key == PLAN_FORM)
                             .order_by(StepRecord.completed_at.desc(), StepRecord.id.desc()).limit(1))


def track_plan_actions(case: Case, record: StepRecord, answers: dict, *, now: datetime) -> list[CaseAction]:
    """Make the plan's actions the case's tracked plan actions: the open ones of earlier versions are replaced;
    an action already done (same text, same date) is not set again. A correction of an older plan, or of a
    plan of a closed case, changes nothing here: neither is what the case works to now."""
    latest = latest_plan(case.id)
    if case.closed_at is not None or latest is None or latest.id != record.id:
        return []
    current = db.session.scalars(select(CaseAction).where(
        CaseAction.case_id == case.id, CaseAction.step_record_id.is_not(None), CaseAction.replaced_at.is_(None),
        CaseAction.disposition.is_(None))).all()
    done = {(action.action, action.due_on) for action in current if action.done_at is not None}
    for action in current:
        if action.done_at is None:
            action.replaced_at = now
    tracked = []
    for row in answers.get("actions") or []:
        text, due_on = str(row.get("action", "")).strip()[:500], _date(row.get("due_on"))
        if not text or due_on is None or (text, due_on) in done:
            continue
        tracked.append(CaseAction(case_id=case.id, step_record_id=record.id, action=text,
                                  owner=str(row.get("owner", "")).strip()[:200], owner_id=_account(row),
                                  owner_agency_id=_agency(row), due_on=due_on))
    db.session.add_all(tracked)
    db.session.flush()
    return tracked


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _agency(row: dict) -> int | None:
    """The owning agency (the form offered only the case's register; an agency gone since is dropped)."""
    value = row.get("owner_agency")
    return value if isinstance(value, int) and db.session.get(Agency, value) is not None else None


def _account(row: dict) -> int | None:
    """The owner's account (the form offered only the case's people; an account gone since is dropped)."""
    value = row.get("owner_account")
    return value if isinstance(value, int) and db.session.get(User, value) is not None else None


# -- actions to do, at home ----------------------------------------------------------------------------

NO_SUCH_ACTION = "There is no such action."


def actions_to_do(actor) -> list[CaseAction]:
    """The actions still to do on open cases that are the actor's: owned by their account, or by the agency they
    practise in; soonest due first (their home page shows the action and the case reference, nothing else)."""
    mine = [CaseAction.owner_id == actor.id]
    if actor.has_role(Role.AGENCY_PRACTITIONER) and actor.agency_id is not None:
        mine.append(CaseAction.owner_agency_id == actor.agency_id)
    return list(db.session.scalars(select(CaseAction).join(Case, Case.id == CaseAction.case_id).where(
        or_(*mine), CaseAction.done_at.is_(None), CaseAction.replaced_at.is_(None),
        CaseAction.disposition.is_(None), Case.closed_at.is_(None)).order_by(CaseAction.due_on, CaseAction.id)))


def action_to_mark(actor, case_id: int, action_id: int) -> CaseAction:
    """An action the actor may mark done, still to do: its owner's, their agency's (any of its practitioners),
    or one of a case they work on as its social worker or team manager. Someone who cannot see the case is told
    there is no such action, so that it is not given away; someone who can (a senior manager) is refused."""
    action = db.session.get(CaseAction, action_id)
    if action is None or action.case_id != case_id:
        raise NotFound(NO_SUCH_ACTION)
    case = db.session.get(Case, case_id)
    if not (_owns(actor, action) or _works_on(actor, case)):
        if can_see(actor, case):
            raise PermissionDenied("Actions are marked done by their owner, their agency or the case's social "
                                   "worker or team manager.")
        raise NotFound(NO_SUCH_ACTION)
    if action.done_at is not None or action.replaced_at is not None or action.disposition is not None:
        raise Conflict("This action is already done, or a correction or a new plan replaced it.")
    if case.closed_at is not None:
        raise Conflict("This case is closed: its actions were handed on or left open at closure.")
    return action


def mark_action_done(actor, case_id: int, action_id: int, *, origin: Origin, now: datetime) -> CaseAction:
    """Mark the action done (after the person confirmed it), audited with whose it was."""
    action = action_to_mark(actor, case_id, action_id)
    action.done_at, action.done_by_id = now, actor.id
    record_event("case.action_done", actor=actor, subject=("cases", case_id), origin=origin,
                 detail={"action_id": action.id, "by_owner": action.owner_id == actor.id,
                         "for_agency": action.owner_agency_id is not None and action.owner_id != actor.id
                         and _owns(actor, action)})
    return action


def _owns(actor, action: CaseAction) -> bool:
    return action.owner_id == actor.id or (
        action.owner_agency_id is not None and actor.agency_id == action.owner_agency_id
        and actor.has_role(Role.AGENCY_PRACTITIONER))


def _works_on(actor, case: Case) -> bool:
    return any(can_do_step(actor, case, role.value) for role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER))
