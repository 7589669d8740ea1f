"""Household matching across teams tells only what is needed: that another team knows the household and whom to
contact there, never that team's child; that team is told by case reference; only an offered household links.
Names with control characters are refused at referral, and one already stored cannot break an invitation."""
import re
from email import message_from_string, policy

import pytest
from sqlalchemy import func, select

from tests.cases.builders import open_case, referral_answers, start_assessment
from tests.helpers import csrf_token, sign_in
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.cases.models import Case, Household, HouseholdMember, StepDraft
from webapp.demo import DEMO_PASSWORD
from webapp.mail.models import OutboxMessage

MIA_ADDRESS = "7 Elm Row, Harrogate"


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


def form_data(answers: dict) -> dict:
    """The referral answers as the referral page posts them (dates in parts, rows numbered, yes/no as text)."""
    data = {}
    for key, value in answers.items():
        if key == "household_members":
            for index, row in enumerate(value):
                data |= {f"{key}-{index}-{k}": ("true" if v else "false") if isinstance(v, bool) else v
                         for k, v in row.items()}
        elif key.endswith("_on") or key == "child_date_of_birth":
            year, month, day = value.split("-")
            data |= {f"{key}-day": day, f"{key}-month": month, f"{key}-year": year}
        elif isinstance(value, bool):
            data[key] = "true" if value else "false"
        else:
            data[key] = value
    return data


def post_referral(client, answers: dict):
    page = client.get("/referrals/new")
    return client.post("/referrals/new", data={"csrf_token": csrf_token(page.text), **form_data(answers)})


@pytest.fixture
def two_teams(partnership, factory):
    """Mia Sampleton's case with the Harrogate team (sw2 allocated, tm1 its manager), and a second team with its
    own manager and worker."""
    mia = open_case(user(partnership, "sw2"), referral_answers("Mia", "Sampleton", "HG2 7ZZ", address=MIA_ADDRESS))
    start_assessment(mia, user(partnership, "sw2"), user(partnership, "tm1"))
    team_b = factory.team("Scarborough CIN team")
    factory.user(Role.TEAM_MANAGER, username="tm_b", team=team_b, full_name="Brook Manager")
    factory.user(Role.SOCIAL_WORKER, username="sw_b", team=team_b, full_name="Bea Worker")
    partnership.commit()
    return mia


def leo(**extra):
    return referral_answers("Leo", "Sampleton", "hg27zz", address="Flat 2, 7 Elm Row", child_date_of_birth="2021-06-01",
                            **extra)


def linked_by_team_b(client, partnership, mia):
    sign_in(client, "sw_b")
    assert post_referral(client, leo()).headers["Location"] == "/referrals/new/household"
    choice = client.get("/referrals/new/household")
    done = client.post("/referrals/new/household", data={"csrf_token": csrf_token(choice.text),
                                                         "household": str(mia.child.household_id)})
    assert done.status_code == 302, done.text
    return partnership.get(Case, int(done.headers["Location"].rsplit("/", 1)[1])), choice.text


def test_another_teams_household_matches_with_whom_to_contact_and_none_of_its_childs_details(
        client, partnership, two_teams):
    _, page = linked_by_team_b(client, partnership, two_teams)
    assert "known to Harrogate CIN team" in page and "Harrogate CIN team knows this household" in page
    assert "Demo Social Worker Two (allocated social worker" in page and "mailto:sw2@example.org" in page
    assert "Demo Team Manager (team manager" in page and "mailto:tm1@example.org" in page
    assert "a child with the family name Sampleton (another team&#39;s case)" in page
    assert "Pat Sampleton (named in this referral)" in page
    for detail in ("Mia", "3 April 2019", "2019-04-03", MIA_ADDRESS, "mother"):
        assert detail not in page, detail


def test_after_linking_team_bs_case_page_does_not_name_team_as_child(client, partnership, two_teams):
    case, _ = linked_by_team_b(client, partnership, two_teams)
    page = client.get(f"/cases/{case.id}").text
    assert "Leo Sampleton" in page and "A child whose case another team holds" in page
    assert f"Case {two_teams.reference} with Harrogate CIN team: contact Demo Social Worker Two" in page
    for detail in ("Mia", "3 April 2019"):
        assert detail not in page, page[page.index(detail) - 300:page.index(detail) + 100]
    assert partnership.scalar(select(StepDraft.id)) is None  # the draft went with the referral
    # and the other way round: Harrogate's worker sees Leo's team and contacts, not Leo
    other = client.application.test_client()
    sign_in(other, "sw2", DEMO_PASSWORD)
    page = other.get(f"/cases/{two_teams.id}").text
    assert "Mia Sampleton" in page and "Leo" not in page
    # Leo's case is not allocated yet: its team manager is the contact
    assert f"Case {case.reference} with Scarborough CIN team: contact Brook Manager (team manager" in page


def test_the_other_teams_worker_and_manager_are_told_by_case_reference_only(client, partnership, two_teams):
    case, _ = linked_by_team_b(client, partnership, two_teams)
    told = partnership.scalars(select(OutboxMessage).where(OutboxMessage.kind == "household_linked")).all()
    assert sorted(m.to_address for m in told) == ["sw2@example.org", "tm1@example.org"]
    for message in told:
        assert message.subject == f"New referral linked to the household: case {two_teams.reference}"
        assert f"Your team's case in the household: {two_teams.reference}" in message.body_text
        assert f"{{service_url}}/cases/{two_teams.id}" in message.body_text
        for name in ("Leo", "Mia", "Sampleton", "Bea Worker", "Scarborough", case.reference, "Elm Row"):
            assert name not in message.subject and name not in message.body_text, name
        assert message.case_id == two_teams.id


def test_a_household_not_offered_is_refused_and_nothing_saved(client, partnership, two_teams):
    # a family at the same postcode whose names do not match (never offered), and one at another postcode
    neighbours = open_case(user(partnership, "sw1"), referral_answers("Zed", "Other", "HG2 7ZZ"))
    elsewhere = open_case(user(partnership, "sw1"), referral_answers("Zara", "Other", "YO1 1AA"))
    partnership.commit()
    sign_in(client, "sw_b")
    post_referral(client, leo())
    choice = client.get("/referrals/new/household")
    cases, mail = (partnership.scalar(select(func.count(Case.id))),
                   partnership.scalar(select(func.count(OutboxMessage.id))))
    assert f'value="{neighbours.child.household_id}"' not in choice.text
    for forged in (neighbours.child.household_id, elsewhere.child.household_id, 999999):
        refused = client.post("/referrals/new/household", data={"csrf_token": csrf_token(choice.text),
                                                                "household": str(forged)})
        assert refused.status_code == 400
        assert "Select one of the households shown, or a new household" in refused.text
        assert not {"Zed", "Zara", "Mia"} & set(re.findall(r"\w+", refused.text))
    partnership.expire_all()
    assert partnership.scalar(select(func.count(Case.id))) == cases
    assert partnership.scalar(select(func.count(OutboxMessage.id))) == mail
    assert partnership.scalar(select(StepDraft.id)) is not None  # the referral can still be recorded


@pytest.mark.parametrize("field", ["child_given_names", "child_family_name", "referrer_name",
                                   "household_members-0-full_name", "household_members-1-full_name"])
def test_a_name_with_a_line_break_is_refused_with_a_field_error(client, partnership, field):
    members = [{"full_name": "Pat Demochild", "relationship": "mother", "has_parental_responsibility": True},
               {"full_name": "Sam Visitor", "relationship": "family friend", "has_parental_responsibility": False,
                "regular_visitor": True}]
    data = form_data(referral_answers(household_members=members))
    data[field] = "Pat\r\nBcc: x@example.org"
    sign_in(client, "sw1", DEMO_PASSWORD)
    page = client.get("/referrals/new")
    refused = client.post("/referrals/new", data={"csrf_token": csrf_token(page.text), **data})
    assert refused.status_code == 400
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', refused.text, re.S).group(1)
    assert f'href="#{field}"' in summary and "must be on one line, without line breaks" in summary
    assert partnership.scalar(select(func.count(Case.id))) == 0


def test_a_long_answer_keeps_its_line_breaks_but_not_a_nul(client, partnership):
    sign_in(client, "sw1", DEMO_PASSWORD)
    data = form_data(referral_answers(concern_what="Seen on Monday.\r\nSeen again on Friday.\x00"))
    page = client.get("/referrals/new")
    refused = client.post("/referrals/new", data={"csrf_token": csrf_token(page.text), **data})
    assert refused.status_code == 400 and "What is the concern?: remove the control characters" in refused.text
    data["concern_what"] = "Seen on Monday.\r\nSeen again on Friday."
    assert client.post("/referrals/new", data={"csrf_token": csrf_token(page.text), **data}).status_code == 302
    assert partnership.scalar(select(func.count(Case.id))) == 1


def test_a_stored_name_with_a_line_break_or_a_comma_cannot_break_or_split_the_invitation(client, partnership):
    sw1, tm1 = user(partnership, "sw1"), user(partnership, "tm1")
    members = [{"full_name": "Pat Demochild", "relationship": "mother", "has_parental_responsibility": True,
                "email": "pat@example.org"},
               {"full_name": "Zoë O'Brien, Jr", "relationship": "father", "has_parental_responsibility": True,
                "email": "zoe@example.org"}]
    case = open_case(sw1, referral_answers(household_members=members))
    start_assessment(case, sw1, tm1)
    # an older record, from before names were checked
    pat = partnership.scalar(select(HouseholdMember).where(HouseholdMember.email == "pat@example.org"))
    pat.full_name = "Pat\r\nBcc: x@example.org"
    partnership.commit()
    sign_in(client, "sw1", DEMO_PASSWORD)
    case_page = client.get(f"/cases/{case.id}").text
    step = re.search(r'href="(/cases/\d+/steps/[^"]+)"[^>]*>Convene the multi-agency meeting', case_page).group(1)
    address = client.get(step).headers["Location"]
    page = client.get(address).text
    keys = re.findall(r'name="invitees" type="checkbox" value="([^"]+)"', page)
    done = client.post(address, data={"csrf_token": csrf_token(page), "date-day": "14", "date-month": "12",
                                      "date-year": "2030", "time": "16:00", "duration": "60",
                                      "location": "Civic Centre", "invitees": keys})
    assert done.status_code == 302
    sent = {m.to_address: message_from_string(m.raw_mime, policy=policy.SMTP) for m in partnership.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "meeting_request"))}
    assert sent["pat@example.org"]["Bcc"] is None
    assert [(a.display_name, a.addr_spec) for a in sent["pat@example.org"]["To"].addresses] == [
        ("Pat Bcc: x@example.org", "pat@example.org")]
    assert [(a.display_name, a.addr_spec) for a in sent["zoe@example.org"]["To"].addresses] == [
        ("Zoë O'Brien, Jr", "zoe@example.org")]
    assert "Dear Pat Bcc: x@example.org," in sent["pat@example.org"].get_body(("plain",)).get_content()
