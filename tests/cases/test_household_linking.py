"""Nothing typed is lost when a referral links to a known household: details typed for a person already known
there (an e-mail address) are kept, so the mother can be invited, and the worker is told what changed; a child
typed among the household's people is a child of the household, not an adult or regular visitor."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.cases.builders import referral_answers
from tests.helpers import csrf_token, sign_in
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.cases.household_people import is_child
from webapp.cases.models import Case, Child, HouseholdMember
from webapp.demo import DEMO_PASSWORD, seed_demo_cases
from webapp.meetings import services as meeting_services

PAT_EMAIL = "pat.demochild@example.net"


def form_data(answers: dict) -> dict:
    """The referral answers as the referral page posts them (dates in parts, rows numbered, yes/no as text)."""
    def fields(key, value):
        if isinstance(value, bool):
            return {key: "true" if value else "false"}
        if key.endswith(("_on", "date_of_birth")):
            year, month, day = value.split("-")
            return {f"{key}-day": day, f"{key}-month": month, f"{key}-year": year}
        return {key: value}

    data = {}
    for key, value in answers.items():
        if key == "household_members":
            for index, row in enumerate(value):
                for sub_key, sub_value in row.items():
                    data |= fields(f"{key}-{index}-{sub_key}", sub_value)
        else:
            data |= fields(key, value)
    return data


@pytest.fixture
def ava(partnership):
    """The demo household: Ava Demochild at HG1 1AA, her mother Pat Demochild known without an e-mail address."""
    seed_demo_cases(partnership)
    partnership.commit()
    return partnership.scalar(select(Child).where(Child.given_names == "Ava", Child.family_name == "Demochild"))


def refer_linked(client, session, household_id: int, people: list[dict]) -> Case:
    """sw1 refers Leo Demochild at the same postcode through the pages and links him to the known household."""
    sign_in(client, "sw1", DEMO_PASSWORD)
    answers = referral_answers("Leo", "Demochild", "hg1 1aa", child_date_of_birth="2021-06-01",
                               household_members=people)
    page = client.get("/referrals/new")
    sent = client.post("/referrals/new", data={"csrf_token": csrf_token(page.text), **form_data(answers)})
    assert sent.headers["Location"] == "/referrals/new/household", sent.text
    choice = client.get("/referrals/new/household")
    done = client.post("/referrals/new/household", data={"csrf_token": csrf_token(choice.text),
                                                         "household": str(household_id)})
    assert done.status_code == 302, done.text
    session.expire_all()
    return session.get(Case, int(done.headers["Location"].rsplit("/", 1)[1]))


def pat(session, household_id: int) -> HouseholdMember:
    return session.scalar(select(HouseholdMember).where(HouseholdMember.household_id == household_id,
                                                        HouseholdMember.full_name == "Pat Demochild"))


def test_the_mothers_email_typed_at_linking_is_kept_and_she_is_offered_as_an_invitee(client, partnership, ava):
    household_id = ava.household_id
    assert pat(partnership, household_id).email is None
    case = refer_linked(client, partnership, household_id, [
        {"full_name": "pat demochild", "relationship": "mother", "has_parental_responsibility": True,
         "email": PAT_EMAIL}])
    assert case.child.household_id == household_id
    mother = pat(partnership, household_id)
    assert mother.email == PAT_EMAIL
    assert len(case.child.household.members) == 1  # merged into the known mother, not added twice
    sw1 = partnership.scalar(select(User).where(User.username == "sw1"))
    for each in (case, ava.cases[0]):  # the new case and Ava's: the household is one
        offered = {c.key: c for c in meeting_services.candidates(sw1, each.id)}
        assert offered[f"member-{mother.id}"].email == PAT_EMAIL and offered[f"member-{mother.id}"].kind == "family"
    row = partnership.scalar(select(AuditEvent).where(AuditEvent.action == "household.member_updated",
                                                      AuditEvent.subject_id == case.id))
    assert row.detail["added"] == ["email"] and PAT_EMAIL not in str(row.detail)  # field names, never the values
    page = client.get(f"/cases/{case.id}").text
    assert "Already known in the household. From this referral: E-mail address added." in page
    assert PAT_EMAIL in page


def test_a_different_email_becomes_current_and_the_worker_is_told(client, partnership, ava):
    household_id = ava.household_id
    pat(partnership, household_id).email = "old@example.net"
    partnership.commit()
    case = refer_linked(client, partnership, household_id, [
        {"full_name": "Pat Demochild", "relationship": "stepmother", "email": PAT_EMAIL}])
    mother = pat(partnership, household_id)
    assert mother.email == PAT_EMAIL and mother.relationship_to_child == "mother"  # the relationship to Ava kept
    assert mother.has_parental_responsibility  # an unticked box takes nothing away
    page = client.get(f"/cases/{case.id}").text
    assert "E-mail address changed to the one typed" in page
    assert "Relationship to the child typed differently: the one recorded is kept" in page
    assert "old@example.net" not in str([r.detail for r in partnership.scalars(select(AuditEvent))])


def test_a_child_typed_among_the_households_people_is_a_child_of_the_household(client, partnership, ava):
    household_id = ava.household_id
    case = refer_linked(client, partnership, household_id, [
        {"full_name": "Pat Demochild", "relationship": "mother", "has_parental_responsibility": True},
        {"full_name": "Sam Demochild", "relationship": "brother"},
        {"full_name": "Kit Lodger", "relationship": "cousin", "date_of_birth": "2014-01-09"},
        {"full_name": "Ava Demochild", "relationship": "sister"}])  # already known: not recorded twice
    household = case.child.household
    assert sorted(c.full_name for c in household.children) == ["Ava Demochild", "Kit Lodger", "Leo Demochild",
                                                               "Sam Demochild"]
    assert [m.full_name for m in household.members] == ["Pat Demochild"]
    page = client.get(f"/cases/{case.id}").text
    children, adults = re.search(r">Children</h3>(.*)>Adults and regular visitors</h3>(.*?)</ul>", page, re.S).groups()
    assert "Sam Demochild" in children and "Kit Lodger, born 9 January 2014" in children and "Ava Demochild" in children
    assert "Sam Demochild" not in adults and "Kit Lodger" not in adults and "Pat Demochild" in adults


def test_who_counts_as_a_child():
    today = date(2026, 3, 2)
    assert is_child({"relationship": "half-brother"}, today) and is_child({"relationship": "Sister"}, today)
    assert is_child({"relationship": "lodger", "date_of_birth": "2010-03-03"}, today)  # 17 today
    assert not is_child({"relationship": "son", "date_of_birth": "2008-03-02"}, today)  # 18 today: an adult
    assert not is_child({"relationship": "father of the child"}, today)
    assert not is_child({"relationship": "mother's partner"}, today)
