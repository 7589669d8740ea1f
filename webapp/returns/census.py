"""The Children in Need census from the records: the XML of the DfE's specification for the year a collection ends
(`<Year>2027</Year>` covers 1 April 2026 to 31 March 2027; docs/CIN_CENSUS.md gives the structure as the DfE's rules
read it). Every child with a referral open on 1 April or made in the year; one episode of need (CINdetails) per
referral; contacts that never became referrals are not in it. Written as it is read, a few hundred children at a
time, so memory stays flat whatever the partnership's size.

Where a value comes from: the child's coded details and each case's referral source, front-door outcome and closure
reason are columns (webapp/cases/census_fields.py, contacts.py, closure/closed.py); the assessment's dates are its
steps' (started at the referral decision, authorised at the outcome), its primary need and factors its own answers
(as last corrected); the plan starts on the date it was agreed and ends when the case closes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import IO, Iterator

from lxml import etree
from sqlalchemy import and_, or_, select

from webapp.cases.contacts import CONTACT, REFERRAL_NFA
from webapp.cases.models import Case, Child, Stage, StepRecord
from webapp.columns import LONDON
from webapp.extensions import db
from webapp.workflow.contract import DiagramNeeds

NEEDS = DiagramNeeds(__name__)
DECISION = NEEDS.element("section17", "referral_decision", "the census's assessment starts at the decision")
ASSESSMENTS = (NEEDS.element("section17", "assessment", "the census's primary need and factors"),
               NEEDS.element("section17", "assessment_rework", "the census's primary need and factors, reworked"))
OUTCOME = NEEDS.element("section17", "assessment_outcome", "the census's assessment authorisation date")
PLAN = NEEDS.element("section17", "cin_plan", "the census's CIN plan start date")
BATCH = 200  # children read and written at a time


@dataclass(frozen=True)
class CensusSource:
    """Who sends the return (the header): the council's 3-digit LA code and this software."""
    la_code: str
    software: str = "Child in Need workflow"
    release: str = "1"


def period(year: int) -> tuple[date, date]:
    """The census year ending 31 March `year`."""
    return date(year - 1, 4, 1), date(year, 3, 31)


def _day(moment: datetime | None) -> date | None:
    return moment.astimezone(LONDON).date() if moment else None


def _in_scope(year: int):
    """Referrals open on the census year's first day or made during it (contacts and undecided ones left out)."""
    start, end = period(year)
    referred = Case.front_door_outcome.is_not(None) & (Case.front_door_outcome != CONTACT)
    # opened_at and closed_at are instants: compare with London midnights, the days the census counts in
    first = datetime.combine(start, time(), LONDON)
    after = datetime.combine(end + timedelta(days=1), time(), LONDON)
    return and_(referred, Case.opened_at < after, or_(Case.closed_at.is_(None), Case.closed_at >= first))


def children_in_scope(year: int) -> Iterator[list[int]]:
    """The ids of the children in the return, BATCH at a time, in id order."""
    last = 0
    while True:
        ids = list(db.session.scalars(select(Case.child_id).where(_in_scope(year), Case.child_id > last)
                                      .group_by(Case.child_id).order_by(Case.child_id).limit(BATCH)))
        if not ids:
            return
        yield ids
        last = ids[-1]


def write_census(out: IO[bytes], year: int, source: CensusSource, *, now: datetime) -> int:
    """Write the return for the year ending 31 March `year` to `out`; returns how many children it holds."""
    count = 0
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("Message"):
            xf.write(_header(year, source, now))
            with xf.element("Children"):
                for ids in children_in_scope(year):
                    for child_element in _children(ids, year):
                        xf.write(child_element)
                        count += 1
    return count


def _header(year: int, source: CensusSource, now: datetime) -> etree._Element:
    header = etree.Element("Header")
    details = etree.SubElement(header, "CollectionDetails")
    _text(details, "Collection", "CIN")
    _text(details, "Year", str(year))
    _text(details, "ReferenceDate", period(year)[1])
    src = etree.SubElement(header, "Source")
    _text(src, "SourceLevel", "L")
    _text(src, "LEA", source.la_code)
    _text(src, "SoftwareCode", source.software)
    _text(src, "Release", source.release)
    _text(src, "SerialNo", "1")
    _text(src, "DateTime", now.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M:%S"))
    return header


def _children(child_ids: list[int], year: int) -> Iterator[etree._Element]:
    cases = db.session.scalars(select(Case).where(Case.child_id.in_(child_ids), _in_scope(year))
                               .order_by(Case.child_id, Case.opened_at, Case.id)).all()
    records = _step_records([case.id for case in cases])
    by_child: dict[int, list[Case]] = {}
    for case in cases:
        by_child.setdefault(case.child_id, []).append(case)
    children = {child.id: child for child in db.session.scalars(select(Child).where(Child.id.in_(child_ids)))}
    for child_id in child_ids:
        yield _child(children[child_id], by_child.get(child_id, []), records, year)
    for loaded in (*cases, *children.values(), *records.values()):  # nothing of a batch kept for the next
        db.session.expunge(loaded)


def _step_records(case_ids: list[int]) -> dict[tuple[int, str], StepRecord]:
    """Each case's latest record of each step the census reads."""
    wanted = (DECISION, OUTCOME, PLAN, *ASSESSMENTS)
    found: dict[tuple[int, str], StepRecord] = {}
    for record in db.session.scalars(select(StepRecord).where(StepRecord.case_id.in_(case_ids),
                                                              StepRecord.bpmn_id.in_(wanted))
                                     .order_by(StepRecord.completed_at, StepRecord.id)):
        key = "assessment" if record.bpmn_id in ASSESSMENTS else record.bpmn_id
        found[(record.case_id, key)] = record
    return found


def _child(child: Child, cases: list[Case], records: dict, year: int) -> etree._Element:
    element = etree.Element("Child")
    ids = etree.SubElement(element, "ChildIdentifiers")
    _text(ids, "LAchildID", f"C{child.id}")  # letters and digits only (rule 1580); never a name
    _text(ids, "UPN", child.upn)
    if not child.upn:
        _text(ids, "UPNunknown", child.upn_unknown)
    if child.date_of_birth:
        _text(ids, "PersonBirthDate", child.date_of_birth)
    else:
        _text(ids, "ExpectedPersonBirthDate", child.expected_delivery_on)
    _text(ids, "Sex", "U" if child.date_of_birth is None else child.sex)
    _text(ids, "PersonDeathDate", child.died_on)
    characteristics = etree.SubElement(element, "ChildCharacteristics")
    _text(characteristics, "Ethnicity", child.ethnicity)
    if child.disabilities:
        disabilities = etree.SubElement(characteristics, "Disabilities")
        for code in child.disabilities:
            _text(disabilities, "Disability", code)
    for case in cases:
        element.append(_episode(case, records, year))
    return element


def _episode(case: Case, records: dict, year: int) -> etree._Element:
    episode = etree.Element("CINdetails")
    nfa = case.front_door_outcome == REFERRAL_NFA
    assessment = records.get((case.id, "assessment"))
    answers = assessment.current_answers if assessment else {}
    closed = _day(case.closed_at) if case.stage == Stage.CLOSED.value else None
    _text(episode, "CINreferralDate", _day(case.opened_at))
    _text(episode, "ReferralSource", case.referral_source)
    _text(episode, "PrimaryNeedCode", None if nfa else answers.get("primary_need"))
    if closed and closed <= period(year)[1]:
        _text(episode, "CINclosureDate", closed)
        _text(episode, "ReasonForClosure", case.closure_reason)
    if assessment and not nfa:
        decision, outcome = records.get((case.id, DECISION)), records.get((case.id, OUTCOME))
        block = etree.SubElement(episode, "Assessments")
        _text(block, "AssessmentActualStartDate", _day(decision.completed_at) if decision else None)
        if outcome is not None:
            _text(block, "AssessmentAuthorisationDate", _day(outcome.completed_at))
            factors = etree.SubElement(block, "FactorsIdentifiedAtAssessment")
            for code in answers.get("assessment_factors") or []:
                _text(factors, "AssessmentFactors", code)
    plan = records.get((case.id, PLAN))
    if plan is not None and not nfa:
        block = etree.SubElement(episode, "CINPlanDates")
        _text(block, "CINPlanStartDate", plan.current_answers.get("plan_agreed_on"))
        if closed and closed <= period(year)[1]:
            _text(block, "CINPlanEndDate", closed)
    _text(episode, "ReferralNFA", "1" if nfa else "0")
    return episode


def _text(parent: etree._Element, name: str, value) -> None:
    """A child element holding the value; nothing when there is no value (the DfE's rules read absent as missing)."""
    if value is None or value == "":
        return
    etree.SubElement(parent, name).text = value.isoformat() if isinstance(value, date) else str(value)
