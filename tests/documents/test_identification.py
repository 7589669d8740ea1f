"""One rule says how a child is identified to a reader (webapp/agencies/identification.py): name, date of birth
and the NHS number where recorded; a health agency and the records every agency files say when there is none;
the referral records a real NHS number and refuses one whose check digit is wrong."""
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers
from webapp.agencies.identification import (
    formatted_nhs_number, normal_nhs_number, patient_identification, valid_nhs_number,
)
from webapp.agencies.models import Agency, AgencyKind
from webapp.auth.models import User
from webapp.errors import InvalidInput


def child(nhs_number=None, born=date(2019, 4, 3), expected=None):
    return SimpleNamespace(full_name="Ava Demochild", date_of_birth=born, expected_delivery_on=expected,
                           nhs_number=nhs_number)


def agency(kind: AgencyKind):
    return SimpleNamespace(kind=kind.value)


def test_every_reader_gets_name_birth_and_nhs_number_and_a_gp_is_told_which_patient():
    ava = child("9434765919")
    for reader in (None, agency(AgencyKind.GP_PRACTICE), agency(AgencyKind.SCHOOL), agency(AgencyKind.POLICE)):
        shown = patient_identification(ava, reader)
        assert shown.rows == (("Name", "Ava Demochild"), ("Date of birth", "3 April 2019"),
                              ("NHS number", "943 476 5919"))
        assert shown.line == "Ava Demochild, born 3 April 2019, NHS number 943 476 5919"
    assert patient_identification(ava, agency(AgencyKind.GP_PRACTICE)).heading == "Which patient this is"
    assert patient_identification(ava, agency(AgencyKind.HEALTH_VISITING)).heading == "Which patient this is"
    assert patient_identification(ava, agency(AgencyKind.SCHOOL)).heading == "Which child this is"
    assert patient_identification(ava).heading == "Which child this is"


def test_without_an_nhs_number_health_and_the_records_say_so_other_agencies_are_not_told_of_it():
    ava = child()
    for reader in (None, agency(AgencyKind.GP_PRACTICE), agency(AgencyKind.MIDWIFERY)):
        assert patient_identification(ava, reader).rows[-1] == ("NHS number", "Not recorded")
        assert patient_identification(ava, reader).line == "Ava Demochild, born 3 April 2019, NHS number not recorded"
    assert patient_identification(ava, agency(AgencyKind.SCHOOL)).rows == (
        ("Name", "Ava Demochild"), ("Date of birth", "3 April 2019"))
    unborn = child(born=None, expected=date(2026, 6, 10))
    assert patient_identification(unborn, agency(AgencyKind.SCHOOL)).line == "Ava Demochild, expected 10 June 2026"


def test_the_nhs_number_check_digit():
    assert valid_nhs_number("9434765919") and valid_nhs_number("9990000018")
    assert not valid_nhs_number("9434765918")  # one digit wrong
    assert not valid_nhs_number("0000000000") and not valid_nhs_number("943476591")
    assert not valid_nhs_number("943476591x") and not valid_nhs_number("٩٤٣٤٧٦٥٩١٩")  # Arabic-Indic digits
    assert normal_nhs_number(" 943 476-5919 ") == "9434765919" and normal_nhs_number("  ") is None
    assert formatted_nhs_number("9434765919") == "943 476 5919"


def test_the_referral_records_the_nhs_number_and_refuses_a_wrong_one(app, partnership):
    sw1 = partnership.scalar(select(User).where(User.username == "sw1"))
    case = open_case(sw1, referral_answers(child_nhs_number="943 476 5919"))
    assert case.child.nhs_number == "9434765919"
    assert open_case(sw1, referral_answers("Mia", "Sampleton", postcode="HG2 2BB")).child.nhs_number is None
    with pytest.raises(InvalidInput) as refused:
        open_case(sw1, referral_answers("Leo", child_nhs_number="943 476 5918"))
    assert refused.value.field_errors == {"child_nhs_number": "Enter a real NHS number: 10 digits, like 943 476 5919"}
    with pytest.raises(InvalidInput) as refused:
        open_case(sw1, referral_answers("Leo", child_nhs_number="NHS 943"))
    assert refused.value.field_errors == {"child_nhs_number": "Enter the child's NHS number in the correct format"}
    gp = partnership.scalar(select(Agency).where(Agency.kind == AgencyKind.GP_PRACTICE.value))
    assert patient_identification(case.child, gp).line == "Ava Demochild, born 3 April 2019, NHS number 943 476 5919"
