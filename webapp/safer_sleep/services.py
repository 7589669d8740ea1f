"""Safer-sleep assessments on a case whose child is under 1 (or unborn): recorded by the case's worker, or by a
health visitor or midwife asked through an information request; required before the plan and each review."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select

from webapp.agencies.models import Agency, AgencyKind
from webapp.audit.services import Origin, record_event
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.cases.access import can_do_step, get_visible_case
from webapp.cases.flags import Flag
from webapp.cases.models import Case, Child, StepRecord
from webapp.cases.step_hooks import StepHooks
from webapp.columns import LONDON, utc_now
from webapp.errors import InvalidInput, PermissionDenied
from webapp.extensions import db
from webapp.information_requests.models import InformationRequest
from webapp.partnership.services import extra_holidays
from webapp.safer_sleep.models import SaferSleepAssessment
from webapp.safer_sleep.risks import risk_actions, risk_flags
from webapp.workflow.contract import DiagramNeeds
from webapp.workflow.forms import form_validator, validate_submission

SCHEMA = json.loads(Path(__file__).with_name("assessment_schema.json").read_text())
VALIDATOR = form_validator(SCHEMA)
NEEDS = DiagramNeeds(__name__)
PLAN_FORM = NEEDS.form("section17", "cin_plan", "the safer-sleep gate and actions on the plan")
REVIEW_FORM = NEEDS.form("section17", "cin_review", "the safer-sleep gate on the review")
# The field a refusal is shown against on each gated step's form.
GATED_FIELD = {PLAN_FORM: "plan_agreed_on", REVIEW_FORM: "review_decision"}
ASKED_KINDS = (AgencyKind.HEALTH_VISITING.value, AgencyKind.MIDWIFERY.value)


def is_under_one(child: Child, today: date) -> bool:
    """Under 1 on the day, or unborn (the expected date of delivery stands in for a birth date not yet known)."""
    born = child.date_of_birth or child.expected_delivery_on
    if born is None:
        return False
    try:
        first_birthday = born.replace(year=born.year + 1)
    except ValueError:  # born on 29 February
        first_birthday = date(born.year + 1, 3, 1)
    return today < first_birthday


def _today(now: datetime) -> date:
    return now.astimezone(LONDON).date()


def latest_assessment(case_id: int) -> SaferSleepAssessment | None:
    return db.session.scalar(select(SaferSleepAssessment).where(SaferSleepAssessment.case_id == case_id)
                             .order_by(SaferSleepAssessment.recorded_at.desc(), SaferSleepAssessment.id.desc())
                             .limit(1))


def _current(case: Case, now: datetime) -> SaferSleepAssessment | None:
    """The latest assessment while the child is under 1; its risks no longer apply to an older child."""
    return latest_assessment(case.id) if is_under_one(case.child, _today(now)) else None


# -- the gate on the plan and its reviews ------------------------------------------------------------------

def requirement(case: Case, form_key: str | None, now: datetime) -> str | None:
    """Why this step needs a safer-sleep assessment first, or None when it does not."""
    if form_key not in GATED_FIELD or not is_under_one(case.child, _today(now)):
        return None
    latest = latest_assessment(case.id)
    if form_key == PLAN_FORM:
        return None if latest else ("The child is under 1: a safer-sleep assessment must be recorded on the case "
                                    "before the plan can be agreed.")
    previous = db.session.scalar(select(func.max(StepRecord.completed_at)).where(
        StepRecord.case_id == case.id, StepRecord.form_key.in_(list(GATED_FIELD))))
    if latest is not None and (previous is None or latest.recorded_at > previous):
        return None
    return ("The child is under 1: a new safer-sleep assessment must be recorded since the last plan or review "
            "before the review's decision can be recorded.")


def check_requirement(case: Case, form_key: str | None, now: datetime) -> dict[str, str]:
    """The refusal as field errors (empty when the step may go ahead); the message carries where to record one."""
    reason = requirement(case, form_key, now)
    if reason is None:
        return {}
    return {GATED_FIELD[form_key]: f"{reason} Record one with the link at the top of this page, or ask health "
                                    "visiting or midwifery"}


# -- flags and plan actions ----------------------------------------------------------------------------------

def safer_sleep_flags(case_id: int) -> list[Flag]:
    """The risks of the case's latest assessment, as concern flags (for a child under 1 today)."""
    case = db.session.get(Case, case_id)
    latest = _current(case, utc_now()) if case is not None else None  # a read for display: today is now
    return risk_flags(latest.answers) if latest else []


def plan_actions(case: Case, now: datetime) -> list[dict]:
    """The plan actions the latest assessment's risks call for, due from today."""
    latest = _current(case, now)
    return risk_actions(latest.answers, _today(now), extra_holidays()) if latest else []


def with_plan_actions(case: Case, answers: dict, now: datetime) -> dict:
    """Plan answers with every safer-sleep action in `actions` (those missing appended; matched by their text)."""
    wanted = plan_actions(case, now)
    rows = list(answers.get("actions") or [])
    present = {str(row.get("action", "")).strip() for row in rows}
    missing = [row for row in wanted if row["action"] not in present]
    return {**answers, "actions": rows + missing} if missing else answers


# The plan always carries the safer-sleep actions (opened, completed, corrected); the plan and the review wait
# for an assessment when one is needed.
NEEDED_FIRST = "a safer-sleep assessment is needed first"
PLAN_HOOKS = StepHooks(answers=with_plan_actions, refusal=check_requirement, refusal_summary=NEEDED_FIRST)
REVIEW_HOOKS = StepHooks(refusal=check_requirement, refusal_summary=NEEDED_FIRST)


# -- recording and reading -----------------------------------------------------------------------------------

def require_recorder(actor, case: Case) -> None:
    if not (can_do_step(actor, case, Role.SOCIAL_WORKER.value) or can_do_step(actor, case, Role.TEAM_MANAGER.value)):
        raise PermissionDenied("A safer-sleep assessment is recorded by the case's social worker or team manager, "
                               "or by the health visitor or midwife they ask.")


def open_form(actor, case_id: int, form: str, *, origin: Origin, audit: bool = True) -> Case:
    """The case whose assessment the actor is about to record (or ask for: `form` says which); a look is audited."""
    case = get_visible_case(actor, case_id)
    require_recorder(actor, case)
    if audit:
        record_event("case.safer_sleep_form_viewed", actor=actor, subject=case, origin=origin, detail={"form": form})
    return case


def record_assessment(actor, case_id: int, answers: dict, *, origin: Origin, now: datetime) -> SaferSleepAssessment:
    """The case worker's assessment. Bad answers change nothing."""
    case = get_visible_case(actor, case_id)
    require_recorder(actor, case)
    return _record(actor, case, answers, None, origin=origin, now=now)


def record_for_request(actor, request: InformationRequest, answers: dict, *, origin: Origin,
                       now: datetime) -> SaferSleepAssessment:
    """An agency practitioner's assessment, answering a request the caller has checked is theirs."""
    return _record(actor, request.case, answers, request, origin=origin, now=now)


def _record(actor, case: Case, answers: dict, request: InformationRequest | None, *, origin: Origin,
            now: datetime) -> SaferSleepAssessment:
    try:
        answers = validate_submission(VALIDATOR, answers)
    except InvalidInput as invalid:
        raise InvalidInput("The assessment was not recorded: check the answers", invalid.field_errors) from None
    assessment = SaferSleepAssessment(case_id=case.id, child_id=case.child_id, answers=answers,
                                      recorded_by_id=actor.id, agency_id=actor.agency_id, recorded_at=now,
                                      request_id=request.id if request else None)
    db.session.add(assessment)
    db.session.flush()
    record_event("case.safer_sleep_recorded", actor=actor, subject=case, origin=origin,
                 detail={"assessment_id": assessment.id, "request_id": request.id if request else None})
    return assessment


def assessments_on_case(actor, case_id: int, *, origin: Origin) -> tuple[Case, list[SaferSleepAssessment]]:
    """Every assessment of the case, newest first; the look is audited."""
    case = get_visible_case(actor, case_id)
    found = list(db.session.scalars(select(SaferSleepAssessment).where(SaferSleepAssessment.case_id == case.id)
                                    .order_by(SaferSleepAssessment.recorded_at.desc(),
                                              SaferSleepAssessment.id.desc())))
    record_event("case.safer_sleep_viewed", actor=actor, subject=case, origin=origin,
                 detail={"assessment_ids": [a.id for a in found]})
    return case, found


@dataclass
class CaseSummary:
    latest: SaferSleepAssessment | None
    flags: list[Flag]
    count: int
    needed: bool  # the next plan or review would be refused now


def case_summary(case: Case, now: datetime) -> CaseSummary | None:
    """The case page's safer-sleep section (None when the child is 1 or over, or has no date of birth)."""
    if not is_under_one(case.child, _today(now)):
        return None
    latest = latest_assessment(case.id)
    count = db.session.scalar(select(func.count(SaferSleepAssessment.id))
                              .where(SaferSleepAssessment.case_id == case.id))
    # The review's rule covers the plan's too: met by an assessment since the last plan or review, if any.
    return CaseSummary(latest, risk_flags(latest.answers) if latest else [], count,
                       requirement(case, REVIEW_FORM, now) is not None)


def agencies_to_ask() -> tuple[list[Agency], list[User]]:
    """Active health visiting and midwifery services, and their practitioners."""
    agencies = list(db.session.scalars(select(Agency).where(Agency.is_active.is_(True), Agency.kind.in_(ASKED_KINDS))
                                       .order_by(Agency.name)))
    people = [u for u in db.session.scalars(select(User).where(User.agency_id.in_([a.id for a in agencies]),
                                                               User.is_active.is_(True)).order_by(User.full_name))
              if u.has_role(Role.AGENCY_PRACTITIONER)]
    return agencies, people
