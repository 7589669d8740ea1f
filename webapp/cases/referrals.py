"""New referrals: find the household a child may already belong to, then open the case and its workflow."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select

from webapp.audit.services import Origin, record_event
from webapp.auth.roles import Role
from webapp.cases.choices import check_choices, choice_provider
from webapp.cases.models import Case, CaseAgency, Child, Household, HouseholdMember, StepDraft
from webapp.cases.steps import record_step
from webapp.columns import LONDON
from webapp.errors import InvalidInput, PermissionDenied
from webapp.extensions import db
from webapp.workflow import runtime
from webapp.workflow.forms import form_validator, validate_submission
from webapp.workflow.models import OpenTask

PROCESS = "section17"
REFERRAL_FORM = "referral"
DRAFT_KEY = "new-referral"


@dataclass
class HouseholdMatch:
    household: Household
    reasons: list[str]


def require_referrer(actor) -> None:
    if not (actor.has_role(Role.SOCIAL_WORKER, Role.TEAM_MANAGER) and actor.team_id is not None):
        raise PermissionDenied("Referrals are recorded by a social worker or team manager of a team.")


def referral_form(actor) -> dict:
    """The referral form of the current Section 17 process."""
    require_referrer(actor)
    return runtime.process_form(PROCESS, REFERRAL_FORM)


def check_referral(actor, answers: dict) -> dict:
    """The answers checked against the form and the service's choices; InvalidInput with every problem."""
    schema = referral_form(actor)
    errors = check_choices(schema, answers, choice_provider(actor.team_id))
    try:
        answers = validate_submission(form_validator(schema), answers)
    except InvalidInput as invalid:
        errors = {**invalid.field_errors, **errors}
    if errors:
        raise InvalidInput("The referral was not saved: check the answers", errors)
    return answers


def _postcode(text: str) -> str:
    """HG27ZZ, hg2 7zz -> HG2 7ZZ: one form, so that the same address always matches."""
    compact = "".join(text.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def find_household_matches(actor, answers: dict, *, origin: Origin) -> list[HouseholdMatch]:
    """Households at the same postcode with a child of the same family name or a person of the same name:
    the social worker confirms or rejects each; nothing is linked without that confirmation."""
    require_referrer(actor)
    family = answers["child_family_name"].strip().lower()
    names = {m["full_name"].strip().lower() for m in answers.get("household_members", [])}
    same_people = [Household.children.any(func.lower(Child.family_name) == family)]
    if names:
        same_people.append(Household.members.any(func.lower(HouseholdMember.full_name).in_(names)))
    candidates = db.session.scalars(
        select(Household).where(Household.postcode == _postcode(answers["postcode"]), or_(*same_people))
        .order_by(Household.id)
    ).all()
    matches = []
    for household in candidates:
        reasons = [f"a child called {c.full_name}" for c in household.children if c.family_name.lower() == family]
        reasons += [f"{m.full_name} ({m.relationship_to_child})" for m in household.members
                    if m.full_name.lower() in names]
        matches.append(HouseholdMatch(household, reasons))
    if matches:
        record_event("household.matches_shown", actor=actor, origin=origin,
                     detail={"household_ids": [m.household.id for m in matches]})
    return matches


def create_referral(actor, answers: dict, household_id: int | None, *, origin: Origin,
                    now: datetime) -> Case:
    """Open the case (child, household, agencies involved), start Section 17 and record the referral step."""
    answers = check_referral(actor, answers)
    household = _household(answers, household_id)
    child = Child(household=household, given_names=answers["child_given_names"].strip(),
                  family_name=answers["child_family_name"].strip(), gender=answers.get("child_gender", ""),
                  date_of_birth=_date(answers.get("child_date_of_birth")),
                  expected_delivery_on=_date(answers.get("child_expected_delivery_on")))
    known = {m.full_name.lower() for m in household.members}
    for member in answers.get("household_members", []):
        if member["full_name"].strip().lower() not in known:
            household.members.append(HouseholdMember(
                full_name=member["full_name"].strip(), relationship_to_child=member["relationship"].strip(),
                has_parental_responsibility=member.get("has_parental_responsibility", False),
                is_regular_visitor=member.get("regular_visitor", False), email=member.get("email")))
    case = Case(child=child, team_id=actor.team_id, opened_at=now)
    db.session.add(case)
    db.session.flush()
    for agency_id in {answers.get("gp_practice_id"), *answers.get("agencies_involved", [])} - {None}:
        db.session.add(CaseAgency(case_id=case.id, agency_id=agency_id, added_at=now))
    db.session.flush()
    record_event("case.created", actor=actor, subject=case, origin=origin,
                 detail={"household_id": household.id, "linked_to_known_household": household_id is not None})
    case.workflow_instance_id = runtime.start_instance(
        PROCESS, "cases", case.id, {"referral_received_on": now.astimezone(LONDON).date().isoformat()},
        actor=actor, now=now)
    first = db.session.scalar(select(OpenTask).where(OpenTask.instance_id == case.workflow_instance_id,
                                                     OpenTask.bpmn_id == "record_referral"))
    record_step(actor, case, first, answers, origin=origin, now=now)
    return case


def _household(answers: dict, household_id: int | None) -> Household:
    if household_id is None:
        household = Household(address=answers["address"].strip(), postcode=_postcode(answers["postcode"]))
        db.session.add(household)
        return household
    household = db.session.get(Household, household_id)
    if household is None or household.postcode != _postcode(answers["postcode"]):
        raise InvalidInput("That household does not match this referral; search again")
    return household


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def referral_draft(actor) -> StepDraft | None:
    """The actor's unfinished referral, kept across sign-outs until submitted or discarded."""
    require_referrer(actor)
    return db.session.scalar(select(StepDraft).where(StepDraft.draft_key == DRAFT_KEY, StepDraft.user_id == actor.id))


def save_referral_draft(actor, answers: dict, *, origin: Origin, now: datetime) -> StepDraft:
    draft = referral_draft(actor) or StepDraft(draft_key=DRAFT_KEY, user_id=actor.id, answers={})
    draft.answers, draft.saved_at = answers, now
    db.session.add(draft)
    db.session.flush()
    record_event("referral.draft_saved", actor=actor, origin=origin)
    return draft


def discard_referral_draft(actor) -> None:
    draft = referral_draft(actor)
    if draft is not None:
        db.session.delete(draft)
