"""New referrals: find the household a child may already belong to, then open the case and its workflow."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select

from webapp.agencies.identification import normal_nhs_number, valid_nhs_number
from webapp.audit.services import Origin, record_event
from webapp.auth.models import Team
from webapp.auth.roles import Role
from webapp.cases.census_fields import census_errors, record_census_fields
from webapp.cases.choices import check_choices, choice_provider
from webapp.cases.household_people import add_people
from webapp.cases.households import KnownElsewhere, known_elsewhere, may_see_child, sees_household
from webapp.cases.models import Case, CaseAgency, Child, Household, HouseholdMember, StepDraft, StepRecord
from webapp.cases.notices import tell_household_teams
from webapp.cases.steps import record_step
from webapp.columns import LONDON
from webapp.errors import InvalidInput, PermissionDenied
from webapp.extensions import db
from webapp.workflow import runtime
from webapp.workflow.contract import DiagramNeeds
from webapp.workflow.forms import form_validator, validate_submission
from webapp.workflow.models import OpenTask

PROCESS = "section17"
NEEDS = DiagramNeeds(__name__)
REFERRAL_FORM = NEEDS.form(PROCESS, "referral", "the new-referral page asks it")
REFERRAL_STEP = NEEDS.element(PROCESS, "record_referral", "a new case opens on it, filled from the referral page")
DECISION_STEP = NEEDS.element(PROCESS, "referral_decision", "the referral summary shows the decision taken")
DECISION_FORM = NEEDS.form(PROCESS, "referral_decision", "the decision's choices are read from it")
RECEIVED_ON = NEEDS.data(PROCESS, "referral_received_on", "the day-1 of every referral deadline")
DRAFT_KEY = "new-referral"


@dataclass
class HouseholdMatch:
    """A household the referral may belong to, as the viewer may be told of it: its address and children's
    names only when the viewer sees one of its cases, otherwise the teams that know it and whom to contact."""
    household_id: int
    postcode: str
    address: str | None
    reasons: list[str]
    known_elsewhere: list[KnownElsewhere]


def require_referrer(actor) -> None:
    if not (actor.has_role(Role.SOCIAL_WORKER, Role.TEAM_MANAGER) and actor.team_id is not None):
        raise PermissionDenied("Referrals are recorded by a social worker or team manager of a team.")


def referral_form(actor) -> dict:
    """The referral form of the current Section 17 process."""
    require_referrer(actor)
    return runtime.process_form(PROCESS, REFERRAL_FORM)


def require_agency_referrer(actor) -> None:
    if not actor.has_role(Role.AGENCY_PRACTITIONER) or actor.agency_id is None:
        raise PermissionDenied("Online referrals are made by practitioners of a partner agency.")


def agency_referral_form(actor) -> dict:
    """The same referral form, for an agency practitioner referring online."""
    require_agency_referrer(actor)
    return runtime.process_form(PROCESS, REFERRAL_FORM)


def check_referral(actor, answers: dict) -> dict:
    """The answers checked against the form and the service's choices; InvalidInput with every problem."""
    schema = agency_referral_form(actor) if actor.has_role(Role.AGENCY_PRACTITIONER) else referral_form(actor)
    errors = check_choices(schema, answers, choice_provider(actor.team_id))
    try:
        answers = validate_submission(form_validator(schema), answers)
    except InvalidInput as invalid:
        errors = {**invalid.field_errors, **errors}
    errors = {**control_character_errors(schema, answers), **errors}
    nhs_number = normal_nhs_number(answers.get("child_nhs_number"))
    if nhs_number and not valid_nhs_number(nhs_number) and "child_nhs_number" not in errors:
        errors["child_nhs_number"] = "Enter a real NHS number: 10 digits, like 943 476 5919"
    errors = {**census_errors(answers), **errors}
    if errors:
        raise InvalidInput("The referral was not saved: check the answers", errors)
    return answers


# Line breaks in a name reach mail headers and calendar invites (a name typed as "Pat\r\nBcc: ..."); a NUL
# is refused by PostgreSQL. Single-line answers take no control character, long answers only line breaks and tabs.
MULTILINE_ALLOWED = {"\n", "\r", "\t"}


def _has_control(text: str, multiline: bool) -> bool:
    return any(unicodedata.category(c) in {"Cc", "Zl", "Zp"} and not (multiline and c in MULTILINE_ALLOWED)
               for c in text)


def control_character_errors(schema: dict, answers: dict) -> dict[str, str]:
    """A field error for each text answer with a control character (a line break in a name, a NUL anywhere)."""
    errors = {}

    def check(prop: dict, value, key: str):
        multiline = prop.get("x-widget") == "textarea"
        if isinstance(value, str) and _has_control(value, multiline):
            title = prop.get("title", key)
            errors[key] = (f"{title}: remove the control characters (only line breaks and tabs are kept)" if multiline else
                           f"{title} must be on one line, without line breaks, tabs or other control characters")

    for key, prop in schema.get("properties", {}).items():
        value = answers.get(key)
        if prop.get("type") == "array" and prop.get("items", {}).get("type") == "object":
            for index, row in enumerate(value or []):
                for sub_key, sub_prop in prop["items"].get("properties", {}).items():
                    check(sub_prop, row.get(sub_key) if isinstance(row, dict) else None, f"{key}-{index}-{sub_key}")
        else:
            check(prop, value, key)
    return errors


def normal_postcode(text: str) -> str:
    """HG27ZZ, hg2 7zz -> HG2 7ZZ: one form, so that the same address always matches."""
    compact = "".join(text.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def find_household_matches(actor, answers: dict, *, origin: Origin) -> list[HouseholdMatch]:
    """Households at the same postcode with a child of the same family name or a person of the same name:
    the social worker confirms or rejects each; nothing is linked without that confirmation. Another team's
    child is never named: the match says which team knows the household and whom to contact there."""
    matches = household_matches(actor, answers)
    if matches:
        record_event("household.matches_shown", actor=actor, origin=origin,
                     detail={"household_ids": [m.household_id for m in matches]})
    return matches


def household_matches(actor, answers: dict) -> list[HouseholdMatch]:
    """The matches without the audit row (the referral checks its chosen household against them)."""
    require_referrer(actor)
    family = answers["child_family_name"].strip().lower()
    names = {m["full_name"].strip().lower() for m in answers.get("household_members", [])}
    same_people = [Household.children.any(func.lower(Child.family_name) == family)]
    if names:
        same_people.append(Household.members.any(func.lower(HouseholdMember.full_name).in_(names)))
    candidates = db.session.scalars(
        select(Household).where(Household.postcode == normal_postcode(answers["postcode"]), or_(*same_people))
        .order_by(Household.id)
    ).all()
    return [_match(actor, household, family, names) for household in candidates]


def _match(actor, household: Household, family: str, names: set[str]) -> HouseholdMatch:
    seen = sees_household(actor, household)
    reasons = []
    for child in household.children:
        if child.family_name.lower() == family:
            reasons.append(f"a child called {child.full_name}" if may_see_child(actor, child, household_seen=seen)
                           else f"a child with the family name {child.family_name} (another team's case)")
    for member in household.members:
        if member.full_name.lower() in names:
            # the relationship is to a child the viewer may not know of: only the name they typed themselves
            reasons.append(f"{member.full_name} ({member.relationship_to_child})" if seen
                           else f"{member.full_name} (named in this referral)")
    elsewhere = known_elsewhere(actor, [c for child in household.children for c in child.cases])
    return HouseholdMatch(household.id, household.postcode, household.address if seen else None,
                          list(dict.fromkeys(reasons)), elsewhere)


def create_referral(actor, answers: dict, household_id: int | None, *, origin: Origin,
                    now: datetime) -> Case:
    """Open the case (child, household, agencies involved) for the actor's team, start Section 17 and record
    the referral step."""
    require_referrer(actor)
    answers = check_referral(actor, answers)
    if household_id is not None and household_id not in {m.household_id for m in household_matches(actor, answers)}:
        raise InvalidInput("That household was not offered for this referral",
                           {"household": "Select one of the households shown, or a new household"})
    case = _open_case(actor, answers, household_id, actor.team_id, origin=origin, now=now)
    if household_id is not None:
        told = tell_household_teams(case)
        if told:
            record_event("case.household_teams_told", actor=actor, subject=case, origin=origin,
                         detail={"household_id": household_id, "recipients": told})
    return case


def create_agency_referral(actor, answers: dict, *, origin: Origin, now: datetime) -> Case:
    """An agency practitioner's online referral: the case opens for the front-door team (the partnership's
    first team) in a household of its own (the team links known households at its decision, since the
    referrer may not see other families), and goes to the team's referral decision."""
    require_agency_referrer(actor)
    answers = check_referral(actor, answers)
    team = db.session.scalar(select(Team).order_by(Team.id).limit(1))
    if team is None:
        raise PermissionDenied("No team receives referrals yet; call the front door instead.")
    case = _open_case(actor, answers, None, team.id, origin=origin, now=now)
    case.referred_by_id = actor.id
    return case


def _open_case(actor, answers: dict, household_id: int | None, team_id: int, *, origin: Origin,
               now: datetime) -> Case:
    household = _household(answers, household_id)
    child = Child(given_names=answers["child_given_names"].strip(),
                  family_name=answers["child_family_name"].strip(), gender=answers.get("child_gender", ""),
                  date_of_birth=_date(answers.get("child_date_of_birth")),
                  expected_delivery_on=_date(answers.get("child_expected_delivery_on")),
                  nhs_number=normal_nhs_number(answers.get("child_nhs_number")))
    known = _known_child(household, child) if household_id is not None else None
    if known is not None:  # a re-referral: a new case of the same child, so its earlier referrals are its own
        child = known
    else:
        child.household = household
        db.session.add(child)  # before the members load: the household's children may already be loaded
    updates = add_people(household, answers.get("household_members", []), referred=child,
                         today=now.astimezone(LONDON).date())
    case = Case(child=child, team_id=team_id, opened_at=now)
    record_census_fields(child, case, answers)
    db.session.add(case)
    db.session.flush()
    for update in updates:  # field names only: the values typed stay in the referral's own record
        record_event("household.member_updated", actor=actor, subject=case, origin=origin,
                     detail={"household_id": household.id, "member_id": update.member_id, "added": update.added,
                             "changed": update.changed, "kept": update.kept})
    for agency_id in {answers.get("gp_practice_id"), *answers.get("agencies_involved", [])} - {None}:
        db.session.add(CaseAgency(case_id=case.id, agency_id=agency_id, added_at=now))
    db.session.flush()
    record_event("case.created", actor=actor, subject=case, origin=origin,
                 detail={"household_id": household.id, "linked_to_known_household": household_id is not None,
                         "known_child": known is not None})
    case.workflow_instance_id = runtime.start_instance(
        PROCESS, "cases", case.id, {RECEIVED_ON: now.astimezone(LONDON).date().isoformat()},
        actor=actor, now=now)
    first = db.session.scalar(select(OpenTask).where(OpenTask.instance_id == case.workflow_instance_id,
                                                     OpenTask.bpmn_id == REFERRAL_STEP))
    record_step(actor, case, first, answers, origin=origin, now=now)
    return case


def _known_child(household: Household, typed: Child) -> Child | None:
    """The household's child this referral is about, if already known: the same NHS number, or (where either has
    none) the same names and date of birth. An unborn child is matched by the pregnancy link, not here."""
    for child in household.children:
        if typed.nhs_number and child.nhs_number:
            if typed.nhs_number == child.nhs_number:
                return child
        elif (typed.date_of_birth is not None and child.date_of_birth == typed.date_of_birth
              and child.given_names.casefold() == typed.given_names.casefold()
              and child.family_name.casefold() == typed.family_name.casefold()):
            return child
    return None


def _household(answers: dict, household_id: int | None) -> Household:
    if household_id is None:
        household = Household(address=answers["address"].strip(), postcode=normal_postcode(answers["postcode"]))
        db.session.add(household)
        return household
    return db.session.get(Household, household_id)  # one of the matches offered (create_referral checks)


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


@dataclass
class ReferralMade:
    case: Case
    status: str
    outcome: str | None


def referrals_made(actor, *, origin: Origin) -> list[ReferralMade]:
    """An agency practitioner's own online referrals: the status and the decision only, nothing else of the case."""
    require_agency_referrer(actor)

    record_event("referral.own_listed", actor=actor, origin=origin)
    made = []
    for case in db.session.scalars(select(Case).where(Case.referred_by_id == actor.id).order_by(Case.opened_at.desc())):
        decision = db.session.scalar(select(StepRecord).where(StepRecord.case_id == case.id,
                                                            StepRecord.bpmn_id == DECISION_STEP).limit(1))
        outcome = None
        if decision is not None:
            options = runtime.step_form(case.workflow_instance_id, DECISION_FORM)["properties"]["decision"]["oneOf"]
            outcome = {o["const"]: o["title"] for o in options}.get(decision.answers.get("decision"))
        status = "Closed" if case.closed_at else ("Waiting for the team's decision" if decision is None else "Decided")
        made.append(ReferralMade(case, status, outcome))
    return made
