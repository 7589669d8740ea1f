"""The child's coded details the statutory returns need, recorded at the referral from the collection year's code
lists (webapp/code_lists.py): sex, ethnicity, disabilities, the UPN or why it is not known, and where the referral
came from. Checked beyond the schema (a UPN's check letter; "No disability" on its own is the schema's own rule); kept on the child and the
case, where the returns read them. A child already known keeps what is recorded unless it was not; a correction
of the referral's answers is what is recorded from then on."""
from __future__ import annotations

from datetime import datetime

from webapp.agencies.identification import normal_upn, valid_upn
from webapp.cases.models import Case, Child, StepRecord
from webapp.cases.step_hooks import StepHooks
from webapp.errors import InvalidInput

def census_errors(answers: dict) -> dict[str, str]:
    errors = {}
    upn = normal_upn(answers.get("child_upn"))
    if upn and not valid_upn(upn):
        errors["child_upn"] = ("Enter a real unique pupil number: 13 characters, the check letter first, like "
                               "A950000178301")
    if upn and answers.get("child_upn_unknown"):
        errors["child_upn_unknown"] = "Leave the reason blank when the UPN is given"
    return errors


def record_census_fields(child: Child, case: Case, answers: dict, *, corrected: bool = False) -> None:
    """What the referral says of the child (where nothing is recorded yet, or all of it when the referral's answers
    are corrected) and where the referral came from."""
    typed = {"sex": answers.get("child_sex"), "ethnicity": answers.get("ethnicity"),
             "disabilities": answers.get("disabilities"), "upn": normal_upn(answers.get("child_upn")),
             "upn_unknown": answers.get("child_upn_unknown")}
    for name, value in typed.items():
        if corrected or (value and not getattr(child, name)):
            setattr(child, name, value or None)
    case.referral_source = answers.get("referral_source")


def corrected_referral(case: Case, record: StepRecord, answers: dict, now: datetime) -> None:
    """After the referral's answers are corrected (its first recording is the case's creation, above)."""
    if not record.corrections:
        return
    errors = census_errors(answers)
    if errors:
        raise InvalidInput("Nothing was corrected", errors)  # the correction's savepoint is undone
    record_census_fields(case.child, case, answers, corrected=True)


REFERRAL_HOOKS = StepHooks(recorded=corrected_referral)
