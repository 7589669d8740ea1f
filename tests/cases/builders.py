"""Referral answers for tests, and a quick way to open a case through the real services."""
from datetime import datetime, timezone

from webapp.audit.services import NO_ORIGIN
from webapp.cases import referrals


def referral_answers(given="Ava", family="Demochild", postcode="HG1 1AA", gp_id=None, **extra) -> dict:
    answers = {
        "child_given_names": given, "child_family_name": family, "child_date_of_birth": "2019-04-03",
        "address": "1 Demo Street, Harrogate", "postcode": postcode,
        "household_members": [{"full_name": f"Pat {family}", "relationship": "mother",
                               "has_parental_responsibility": True}],
        "referrer_name": "Demo Teacher", "referrer_contact": "01234 567890",
        "concern_what": "A bruise on the child's arm", "parental_substance_use": "no", "domestic_abuse": "not_known",
        "parental_conflict": "no", "parental_mental_health": "no", "child_safe_now": True,
        "immediate_protection_needed": False, "parents_aware": True, "parents_consent": True,
    }
    if gp_id is not None:
        answers["gp_practice_id"] = gp_id
    return {**answers, **extra}


def open_case(actor, answers: dict, household_id=None):
    return referrals.create_referral(actor, answers, household_id, origin=NO_ORIGIN,
                                     now=datetime.now(timezone.utc))


def complete(actor, case, bpmn_id: str, answers: dict):
    """Complete the case's open step `bpmn_id` through the real service."""
    from sqlalchemy import select

    from webapp.cases.steps import record_step
    from webapp.extensions import db
    from webapp.workflow.models import OpenTask

    task = db.session.scalar(select(OpenTask).where(OpenTask.subject_type == "cases", OpenTask.subject_id == case.id,
                                                    OpenTask.bpmn_id == bpmn_id))
    open_now = db.session.scalars(select(OpenTask.bpmn_id).where(OpenTask.subject_type == "cases",
                                                                 OpenTask.subject_id == case.id)).all()
    assert task is not None, f"{bpmn_id} is not open; open: {open_now}"
    return record_step(actor, case, task, answers, origin=NO_ORIGIN, now=datetime.now(timezone.utc))


def take_to_first_review(case, worker, manager, plan_agreed_on: str) -> None:
    """From the referral decision to the first CIN review, with the smallest valid answers."""
    complete(manager, case, "referral_decision", {"decision": "section17_assessment",
                                                  "allocated_worker_id": worker.id, "decision_reasons": "x",
                                                  "referrer_acknowledged": False})
    complete(worker, case, "assessment", {"child_seen": False, "child_wishes_and_feelings": "x", "findings": "x"})
    complete(worker, case, "multi_agency_meeting", {"held_on": "2026-03-03", "attendees": "x", "summary": "x"})
    complete(manager, case, "manager_review", {"assessment_agreed": True})
    complete(manager, case, "assessment_outcome", {"outcome": "cin_plan", "outcome_reasons": "x"})
    complete(worker, case, "cin_plan", {"plan_agreed_on": plan_agreed_on, "needs_and_worries": "x",
                                        "outcomes": [{"outcome": "x"}], "contingency": "x",
                                        "actions": [{"action": "x", "owner": "x", "due_on": "2026-04-01"}],
                                        "visiting_frequency": "weekly", "lead_practitioner": "x"})
