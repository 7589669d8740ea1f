"""The child's coded details for the statutory returns, recorded at the referral from the collection year's code
lists: stored on the child and the case; each bad value a field error with nothing saved."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from tests.cases.builders import (
    assessment_answers, complete, hold_meeting, open_case, referral_answers, start_assessment,
    take_to_assessment_outcome, take_to_first_review,
)
from webapp.agencies.identification import valid_upn
from webapp.auth.models import User
from webapp.audit.services import NO_ORIGIN
from webapp.cases.models import Case, StepCorrection, StepRecord
from webapp.cases.steps import correct_step
from webapp.closure.closed import closure_of
from webapp.code_lists import code_list, collection_year
from webapp.database import undone_if_refused
from webapp.errors import InvalidInput

GOOD = {"child_sex": "F", "ethnicity": "WBRI", "disabilities": ["COMM", "LD"], "child_upn": "a950 0001 78301",
        "referral_source": "2A"}


def sw1(session) -> User:
    return session.scalar(select(User).where(User.username == "sw1"))


def test_the_code_lists_are_the_collection_year_s():
    assert collection_year(date(2026, 4, 1)) == "2026-27" and collection_year(date(2027, 3, 31)) == "2026-27"
    assert collection_year(date(2026, 3, 31)) == "2025-26"
    assert ("RC8", "Closed after an assessment: no further action") in code_list("reason_for_closure", date(2026, 12, 8))
    assert [code for code, _ in code_list("sex", date(2031, 1, 1))] == ["M", "F", "U"]  # the latest year's, later on
    factors = [code for code, _ in code_list("assessment_factor", date(2026, 12, 8))]
    assert len(factors) == 42 and "18A" not in factors and "19A" not in factors  # the DfE's rules: not to be used


def test_the_upn_check_letter_is_the_dfe_s():
    assert valid_upn("A950000178301") and valid_upn("H243278544154")
    assert not valid_upn("R247962919251") and not valid_upn("A95000017830") and not valid_upn("I950000178301")


def test_good_values_are_kept_on_the_child_and_the_case(partnership, clock):
    case = open_case(sw1(partnership), referral_answers(**GOOD))
    child = case.child
    assert (child.sex, child.ethnicity, child.disabilities, child.upn, child.upn_unknown) == (
        "F", "WBRI", ["COMM", "LD"], "A950000178301", None)
    assert case.referral_source == "2A"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("child_upn", "R247962919251", "Enter a real unique pupil number"),
    ("child_upn", "A95000017830", "Enter a real unique pupil number"),
    ("child_upn_unknown", "UN2", "Leave the reason blank when the UPN is given"),
    ("ethnicity", "White", "Select the child's ethnicity from the list"),
    ("child_sex", "X", "Select the child's sex from the list"),
    ("referral_source", "11", "Select the referral's source from the list"),
    ("disabilities", ["BLUE"], "Select the disabilities from the list"),
])
def test_a_bad_coded_value_is_a_field_error_and_nothing_is_saved(partnership, clock, field, value, message):
    before = partnership.scalar(select(func.count(Case.id)))
    with pytest.raises(InvalidInput) as refused:
        open_case(sw1(partnership), referral_answers(**{**GOOD, field: value}))
    assert refused.value.field_errors[field].startswith(message), refused.value.field_errors
    assert partnership.scalar(select(func.count(Case.id))) == before


def test_a_reason_stands_in_for_an_unknown_upn(partnership, clock):
    answers = {**GOOD, "child_upn_unknown": "UN1"}
    del answers["child_upn"]
    assert open_case(sw1(partnership), referral_answers(**answers)).child.upn_unknown == "UN1"


def test_the_assessment_records_the_primary_need_and_its_factors_with_no_factors_on_its_own(partnership, clock):
    worker, manager = sw1(partnership), partnership.scalar(select(User).where(User.username == "tm1"))
    case = open_case(worker, referral_answers())
    start_assessment(case, worker, manager)
    for bad, field, message in ((["21", "3B"], "assessment_factors", "Select 'No factors identified' on its own"),
                                (["99"], "assessment_factors", "Select the assessment factors from the list")):
        with pytest.raises(InvalidInput) as refused:
            complete(worker, case, "assessment", assessment_answers(assessment_factors=bad, primary_need="N1"))
        assert refused.value.field_errors[field].startswith(message)
    with pytest.raises(InvalidInput) as refused:
        complete(worker, case, "assessment", assessment_answers(primary_need="N10"))
    assert refused.value.field_errors["primary_need"] == "Select the child's primary need from the list"
    complete(worker, case, "assessment", assessment_answers(assessment_factors=["3B", "16A"], primary_need="N1"))
    record = partnership.scalar(select(StepRecord).where(StepRecord.case_id == case.id,
                                                         StepRecord.bpmn_id == "assessment"))
    assert (record.answers["primary_need"], record.answers["assessment_factors"]) == ("N1", ["3B", "16A"])


def test_no_disability_goes_on_its_own(partnership, clock):
    with pytest.raises(InvalidInput) as refused:
        open_case(sw1(partnership), referral_answers(**{**GOOD, "disabilities": ["NONE", "HEAR"]}))
    assert refused.value.field_errors["disabilities"] == "Select 'No disability' on its own, or the child's disabilities"


def test_closure_reasons_come_from_the_closing_decision_and_a_death_is_dated(partnership, clock):
    worker, manager = sw1(partnership), partnership.scalar(select(User).where(User.username == "tm1"))
    stepped_down = open_case(worker, referral_answers())
    take_to_assessment_outcome(stepped_down, worker, manager)
    complete(manager, stepped_down, "assessment_outcome", {"outcome": "early_help", "outcome_reasons": "x",
                                                               "serious_incident": False})
    assert stepped_down.closure_reason == "RC9"  # the outcome's own x-closure-reason, nothing asked
    assert closure_of(stepped_down.id)[0].census_reason == "RC9: Closed after an assessment: referred to early help"

    reviewed = open_case(worker, referral_answers("Leo"))
    take_to_first_review(reviewed, worker, manager, "2026-03-02")
    hold_meeting(worker, reviewed)
    close = {"progress": "x", "review_decision": "close", "closure_summary": "x", "serious_incident": False}
    for missing, field, message in (({}, "reason_for_closure", "Select the reason for closing"),
                                    ({"reason_for_closure": "RC2"}, "died_on", "Enter the date the child died"),
                                    ({"reason_for_closure": "RC8"}, "reason_for_closure",
                                     "Select the reason for closing from the list")):
        with pytest.raises(InvalidInput) as refused:
            complete(worker, reviewed, "cin_review", {**close, **missing})
        assert refused.value.field_errors[field] == message
    complete(worker, reviewed, "cin_review", {**close, "reason_for_closure": "RC2", "died_on": "2026-02-27"})
    assert (reviewed.closure_reason, reviewed.child.died_on) == ("RC2", date(2026, 2, 27))


def test_a_corrected_referral_is_what_the_census_reads_and_a_bad_upn_corrects_nothing(partnership, clock):
    worker = sw1(partnership)
    case = open_case(worker, referral_answers(**GOOD))
    record = partnership.scalar(select(StepRecord).where(StepRecord.case_id == case.id,
                                                         StepRecord.bpmn_id == "record_referral"))
    fixed = {**record.current_answers, "ethnicity": "BAFR", "referral_source": "3A", "child_upn": ""}
    fixed = {key: value for key, value in fixed.items() if value != ""} | {"child_upn_unknown": "UN3"}
    correct_step(worker, case.id, record.id, fixed, "Ethnicity as the family describe it", origin=NO_ORIGIN,
                 now=datetime.now(timezone.utc))
    assert (case.child.ethnicity, case.referral_source, case.child.upn, case.child.upn_unknown) == (
        "BAFR", "3A", None, "UN3")

    before = partnership.scalar(select(func.count(StepCorrection.id)))
    with pytest.raises(InvalidInput) as refused, undone_if_refused():
        bad = {key: value for key, value in fixed.items() if key != "child_upn_unknown"}
        correct_step(worker, case.id, record.id, {**bad, "child_upn": "R247962919251"},
                     "A UPN from the school", origin=NO_ORIGIN, now=datetime.now(timezone.utc))
    assert refused.value.field_errors["child_upn"].startswith("Enter a real unique pupil number")
    assert partnership.scalar(select(func.count(StepCorrection.id))) == before
    partnership.refresh(case.child)
    assert case.child.upn is None
