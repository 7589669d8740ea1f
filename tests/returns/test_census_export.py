"""The Children in Need census exported from a partnership built through the service's own steps, then checked by
the DfE's rules (csc-validator-be-cin, for real): no errors; a contact that never became a referral is not in it;
a broken export (a plan ending before it starts) is caught, so the check can fail."""
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tests.cases.builders import (
    assessment_answers, check_open_work, complete, hold_meeting, open_case, referral_answers, start_assessment,
    take_to_assessment_outcome, take_to_first_review,
)
from webapp.agencies.identification import UPN_LETTERS
from webapp.auth.models import User
from webapp.code_lists import year_ending
from webapp.returns.census import CensusSource, write_census
from webapp.returns.validation import validate_census

YEAR = 2026  # the clock stands at 2 March 2026: the census year 1 April 2025 to 31 March 2026


def upn(serial: int) -> str:
    """A real UPN of LA 815 (the check letter computed as the DfE's guide says)."""
    digits = f"815{serial:09d}"
    return UPN_LETTERS[sum(int(d) * w for d, w in zip(digits, range(2, 14))) % 23] + digits


def coded(serial: int, **extra) -> dict:
    return {"child_sex": "F" if serial % 2 else "M", "ethnicity": ["WBRI", "BAFR", "APKN", "MWBC"][serial % 4],
            "disabilities": ["NONE"] if serial % 3 else ["COMM", "LD"], "child_upn": upn(serial),
            "referral_source": ["2A", "3A", "6", "1A"][serial % 4], **extra}


def people(session):
    return (session.scalar(select(User).where(User.username == "sw1")),
            session.scalar(select(User).where(User.username == "tm1")))


def decide(manager, case, decision: str) -> None:
    complete(manager, case, "referral_decision", {"decision": decision, "decision_reasons": "x",
                                                  "referrer_acknowledged": False})


def build_partnership(session, clock) -> dict:
    worker, manager = people(session)
    cases = {}
    cases["contact"] = open_case(worker, referral_answers("Cal", "Contact", **coded(1)))
    decide(manager, cases["contact"], "advice")
    cases["nfa"] = open_case(worker, referral_answers("Nia", "Nfa", **coded(2)))
    decide(manager, cases["nfa"], "no_further_action")
    cases["assessed_nfa"] = open_case(worker, referral_answers("Ade", "Assessed", **coded(3)))
    take_to_assessment_outcome(cases["assessed_nfa"], worker, manager)
    cases["planned"] = open_case(worker, referral_answers("Pip", "Planned", **coded(4)))
    take_to_first_review(cases["planned"], worker, manager, "2026-03-02")
    cases["open_plan"] = open_case(worker, referral_answers("Ola", "Open", **coded(5)))
    take_to_first_review(cases["open_plan"], worker, manager, "2026-03-02")
    unborn = {"child_date_of_birth": None, "child_expected_delivery_on": "2026-06-01", "child_sex": "U",
              "child_upn": None, "child_upn_unknown": "UN1"}
    answers = referral_answers("Unborn baby", "Expected", **{**coded(6), **unborn})
    cases["unborn"] = open_case(worker, {key: value for key, value in answers.items() if value is not None})
    start_assessment(cases["unborn"], worker, manager)
    complete(worker, cases["unborn"], "assessment", assessment_answers(primary_need="N3"))
    cases["died"] = open_case(worker, referral_answers("Dee", "Died", **coded(7)))
    take_to_first_review(cases["died"], worker, manager, "2026-03-02")
    # the assessments' ends, then the reviews a few days on
    complete(manager, cases["assessed_nfa"], "assessment_outcome",
             {"outcome": "no_further_action", "outcome_reasons": "x", "serious_incident": False})
    clock.shift(timedelta(days=3))
    close = {"progress": "x", "review_decision": "close", "closure_summary": "x", "serious_incident": False}
    for name in ("planned", "died"):
        hold_meeting(worker, cases[name])  # the first review meeting
    complete(worker, cases["planned"], "cin_review", {**close, "reason_for_closure": "RC7"})
    complete(worker, cases["died"], "cin_review", {**close, "reason_for_closure": "RC2", "died_on": "2026-03-05"})
    for name in ("planned", "died"):
        check_open_work(worker, cases[name])  # the plan's action, done before the case closes
    return cases


def export(tmp_path, year=YEAR):
    path = tmp_path / "census.xml"
    with path.open("wb") as out:
        count = write_census(out, year, CensusSource("815"), now=datetime.now(timezone.utc))
    return path, count


def test_the_census_of_a_partnership_built_through_the_steps_has_no_dfe_errors(partnership, clock, tmp_path,
                                                                              cin_validator):
    cases = build_partnership(partnership, clock)
    path, count = export(tmp_path)
    assert count == 6  # every referral; the contact is not one
    children = ET.parse(path).getroot().find("Children")
    ids = {c.findtext("ChildIdentifiers/LAchildID") for c in children}
    assert f"C{cases['contact'].child_id}" not in ids and f"C{cases['nfa'].child_id}" in ids
    report = validate_census(path, YEAR)
    assert report.errors == [], [(p.code, p.message, p.child_id) for p in report.errors]
    assert report.crashed == {}
    print("queries:", sorted(report.query_codes()))


def test_the_episodes_carry_what_the_steps_recorded(partnership, clock, tmp_path):
    cases = build_partnership(partnership, clock)
    path, _ = export(tmp_path)
    by_id = {c.findtext("ChildIdentifiers/LAchildID"): c for c in ET.parse(path).getroot().find("Children")}

    def episode(name):
        return by_id[f"C{cases[name].child_id}"].find("CINdetails")

    nfa = episode("nfa")
    assert (nfa.findtext("ReferralNFA"), nfa.findtext("ReasonForClosure"), nfa.find("Assessments")) == ("1", "RC8", None)
    assessed = episode("assessed_nfa")
    assert assessed.findtext("ReasonForClosure") == "RC8" and assessed.findtext("ReferralNFA") == "0"
    assert assessed.findtext("Assessments/AssessmentAuthorisationDate") == "2026-03-02"
    planned = episode("planned")
    assert (planned.findtext("CINPlanDates/CINPlanStartDate"), planned.findtext("CINPlanDates/CINPlanEndDate"),
            planned.findtext("ReasonForClosure")) == ("2026-03-02", "2026-03-05", "RC7")
    assert episode("open_plan").find("CINclosureDate") is None
    unborn = by_id[f"C{cases['unborn'].child_id}"]
    assert (unborn.findtext("ChildIdentifiers/Sex"), unborn.findtext("ChildIdentifiers/ExpectedPersonBirthDate"),
            unborn.findtext("ChildIdentifiers/UPNunknown")) == ("U", "2026-06-01", "UN1")
    died = by_id[f"C{cases['died'].child_id}"]
    assert died.findtext("ChildIdentifiers/PersonDeathDate") == "2026-03-05"
    assert died.findtext("CINdetails/ReasonForClosure") == "RC2"


def test_a_broken_export_is_caught(partnership, clock, tmp_path, cin_validator):
    build_partnership(partnership, clock)
    path, _ = export(tmp_path)
    tree = ET.parse(path)
    end = tree.getroot().find(".//CINPlanDates/CINPlanEndDate")
    end.text = "2026-02-01"  # before the plan started
    tree.write(path, encoding="UTF-8", xml_declaration=True)
    assert "4011" in {problem.code for problem in validate_census(path, YEAR).errors}


def test_the_next_year_s_census_leaves_out_what_closed_before_it(partnership, clock, tmp_path):
    cases = build_partnership(partnership, clock)
    path, count = export(tmp_path, YEAR + 1)
    ids = {c.findtext("ChildIdentifiers/LAchildID") for c in ET.parse(path).getroot().find("Children")}
    assert ids == {f"C{cases[name].child_id}" for name in ("open_plan", "unborn")}


def test_the_command_needs_the_la_code_then_writes_the_return(app, partnership_committed, tmp_path):
    from webapp.audit.services import NO_ORIGIN
    from webapp.partnership.services import change_settings

    session = partnership_committed
    worker, manager = people(session)
    case = open_case(worker, referral_answers(**coded(8)))
    decide(manager, case, "no_further_action")
    session.commit()
    out = tmp_path / "census.xml"
    year = year_ending(datetime.now(timezone.utc).date())
    args = ["returns", "cin-census", "--year", str(year), "--output", str(out)]
    refused = app.test_cli_runner().invoke(args=args)
    assert refused.exit_code == 1 and "Set the council's LA code on the Settings page first" in refused.output
    change_settings(session.scalar(select(User).where(User.username == "admin")), {"la_code": "815"},
                    origin=NO_ORIGIN)
    session.commit()
    done = app.test_cli_runner().invoke(args=args)
    assert done.exit_code == 0, done.output
    root = ET.parse(out).getroot()
    assert (root.findtext("Header/Source/LEA"), root.findtext("Header/CollectionDetails/Year")) == ("815", str(year))
    assert [c.findtext("ChildIdentifiers/LAchildID") for c in root.find("Children")] == [f"C{case.child_id}"]
