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
