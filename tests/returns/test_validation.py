"""The census check runs the DfE's rules for real (csc-validator-be-cin in .venv-cin): a small correct return has no
errors, and a return with a CIN plan ending before it starts and a UPN with the wrong check letter is caught."""
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from webapp.returns.validation import (LATEST_YEAR, Location, ValidatorFailed, ValidatorUnavailable,
                                       validate_census)

VALID = Path(__file__).with_name("census_valid.xml")


def changed(tmp_path, **edits) -> Path:
    """The valid return with edits applied: {element path from <Child>: text}, adding the element where missing."""
    tree = ET.parse(VALID)
    child = tree.getroot().find("Children/Child")
    for path, value in edits.items():
        path = path.replace("__", "/")
        element = child.find(path)
        if element is None:
            parent, _, tag = path.rpartition("/")
            element = ET.SubElement(child.find(parent), tag)
        element.text = value
    out = tmp_path / "census.xml"
    tree.write(out, encoding="UTF-8", xml_declaration=True)
    return out


def test_a_correct_return_has_no_errors(cin_validator):
    report = validate_census(VALID, LATEST_YEAR)

    assert (report.validator, report.ruleset, report.rules_run) == ("0.1.13", "cin2026_27", 109)
    assert report.errors == [] and report.crashed == {}
    assert report.ok
    # 2887Q ("less than 8 disability codes") is raised for any return this small: a query, not a refusal
    assert report.query_codes() == {"2887Q"}
    query, = report.queries
    assert query.child_id is None and "disability codes" in query.message


def test_a_plan_ending_before_it_starts_and_a_wrong_check_letter_are_errors(cin_validator, tmp_path):
    broken = changed(tmp_path, ChildIdentifiers__UPN="A850000012345",  # the check letter is Z
                     CINdetails__CINPlanDates__CINPlanEndDate="2026-06-01")  # it starts on 15 June 2026

    report = validate_census(broken, LATEST_YEAR)

    assert not report.ok
    assert report.error_codes() == {"1510", "4011"}
    by_code = {problem.code: problem for problem in report.errors}
    assert by_code["1510"].message == "UPN invalid (wrong check letter at character 1)"
    assert by_code["1510"].child_id == "CHILD0001"
    assert by_code["1510"].locations == (Location("ChildIdentifiers", "UPN", 0, "A850000012345"),)
    assert by_code["4011"].message == "CIN Plan End Date earlier than Start Date"
    assert set(by_code["4011"].locations) == {Location("CINplanDates", "CINPlanStartDate", 0, "2026-06-15"),
                                              Location("CINplanDates", "CINPlanEndDate", 0, "2026-06-01")}


def test_each_error_names_its_child(cin_validator, tmp_path):
    unknown_ethnicity = changed(tmp_path, ChildIdentifiers__LAchildID="CHILD0002",
                                ChildCharacteristics__Ethnicity="XXXX")

    report = validate_census(unknown_ethnicity, LATEST_YEAR)

    problem, = report.errors
    assert (problem.code, problem.child_id, problem.fields) == ("4220", "CHILD0002", {"Ethnicity"})


def test_a_rule_that_breaks_on_the_file_is_not_counted_as_passed(cin_validator, tmp_path):
    """csc-validator-be-cin prints a rule's own exception and carries on; here 8898 (the same factor twice) raises
    on the lists the validator makes of factors. The report keeps it, so the return is not shown clean."""
    tree = ET.parse(VALID)
    factors = tree.getroot().find("Children/Child/CINdetails/Assessments/FactorsIdentifiedAtAssessment")
    ET.SubElement(factors, "AssessmentFactors").text = "3A"
    twice = tmp_path / "census.xml"
    tree.write(twice)

    report = validate_census(twice, LATEST_YEAR)

    assert "8898" in report.crashed or "8898" in report.error_codes()
    assert not report.ok


def test_a_file_for_another_year_or_not_xml_is_refused(cin_validator, tmp_path):
    with pytest.raises(ValidatorFailed, match=r"says it is for '2027', not the year asked for \(2026\)"):
        validate_census(VALID, 2026)
    garbled = tmp_path / "census.xml"
    garbled.write_text("<Message><Header>")
    with pytest.raises(ValidatorFailed, match="cannot be read as XML"):
        validate_census(garbled, LATEST_YEAR)
    with pytest.raises(ValueError, match="no rules for the collection ending March 2031"):
        validate_census(VALID, 2031)


def test_a_file_the_validator_itself_breaks_on_is_a_failure_not_a_pass(cin_validator, tmp_path):
    """0.1.13 stops on a child with no LAchildID (include_issue_child meets a row it cannot place)."""
    tree = ET.parse(VALID)
    identifiers = tree.getroot().find("Children/Child/ChildIdentifiers")
    identifiers.remove(identifiers.find("LAchildID"))
    nameless = tmp_path / "census.xml"
    tree.write(nameless)

    with pytest.raises(ValidatorFailed, match=r"^The validator stopped on this file \(ValueError: "):
        validate_census(nameless, LATEST_YEAR)


def test_without_the_validator_the_check_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("CIN_VALIDATOR_PYTHON", str(tmp_path / "missing" / "python"))

    with pytest.raises(ValidatorUnavailable, match=r"validator is not installed: .*missing/python is missing\. "
                                                   r"Run `make \.venv-cin/\.installed`"):
        validate_census(VALID, LATEST_YEAR)
