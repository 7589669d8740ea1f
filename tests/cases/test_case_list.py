"""Cases on the server: whose cases (mine, my team's), sorted by a column header, a page at a time, and every
choice kept in the address so that paging and sorting keep the filters."""
import html
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers, start_assessment
from tests.factories import PASSWORD
from tests.helpers import signed_in
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.cases import queries
from webapp.workflow.models import OpenTask


def user(session, name) -> User:
    return session.scalar(select(User).where(User.username == name))


def listed(client, query: str = "") -> list[int]:
    page = client.get(f"/cases{query}")
    assert page.status_code == 200
    return [int(found) for found in re.findall(r'<td class="govuk-table__cell"><a class="govuk-link" '
                                              r'href="/cases/(\d+)">', page.text)]


def header(page: str, label: str) -> tuple[str, str]:
    """A sortable column header's aria-sort and its link."""
    found = re.search(r'aria-sort="(\w+)">\s*<a class="govuk-link" href="([^"]+)">' + re.escape(label) + "<", page)
    assert found, f"no sortable header {label}"
    return found.group(1), html.unescape(found.group(2))


@pytest.fixture
def team_cases(partnership, clock):
    """Four cases of the demo team, opened a day apart: Cara (sw1's), Ben (sw2's), Ava and Dan (unallocated,
    referral decisions due at different times)."""
    session = partnership
    sw1, sw2, tm1 = user(session, "sw1"), user(session, "sw2"), user(session, "tm1")
    made = {}
    for given, family in [("Cara", "Brown"), ("Ben", "Adams"), ("Ava", "Clark"), ("Dan", "Abbott")]:
        made[given] = open_case(sw1, referral_answers(given, family, "HG1 1AA"))
        clock.shift(timedelta(days=1))
    start_assessment(made["Cara"], sw1, tm1)
    start_assessment(made["Ben"], sw2, tm1)
    due = {t.subject_id: t for t in session.scalars(select(OpenTask).where(OpenTask.bpmn_id == "referral_decision"))}
    due[made["Ava"].id].due_at = datetime(2026, 3, 30, 17, 0, tzinfo=timezone.utc)
    due[made["Dan"].id].due_at = datetime(2026, 3, 4, 17, 0, tzinfo=timezone.utc)
    session.commit()
    return {name: case.id for name, case in made.items()}


def test_my_cases_are_those_allocated_to_me(app, team_cases):
    client = signed_in(app, "sw1")
    assert set(listed(client)) == set(team_cases.values())  # the whole team's, newest first
    assert listed(client, "?show=mine") == [team_cases["Cara"]]
    page = client.get("/cases").text
    assert "All my team&#39;s cases" in page and "Allocated to me" in page and "My team&#39;s cases" not in page
    assert listed(signed_in(app, "sw2"), "?show=mine") == [team_cases["Ben"]]


def test_each_column_sorts_both_ways(app, team_cases):
    ids, client = team_cases, signed_in(app, "tm1")
    assert listed(client) == [ids["Dan"], ids["Ava"], ids["Ben"], ids["Cara"]]  # newest opened first
    assert listed(client, "?sort=opened&dir=asc") == [ids["Cara"], ids["Ben"], ids["Ava"], ids["Dan"]]
    assert listed(client, "?sort=reference") == sorted(ids.values())
    assert listed(client, "?sort=reference&dir=desc") == sorted(ids.values(), reverse=True)
    assert listed(client, "?sort=child") == [ids["Dan"], ids["Ben"], ids["Cara"], ids["Ava"]]  # by family name
    assert listed(client, "?sort=child&dir=desc") == [ids["Ava"], ids["Cara"], ids["Ben"], ids["Dan"]]
    by_stage = listed(client, "?sort=stage")  # the order of the work: referral before assessment
    assert set(by_stage[:2]) == {ids["Ava"], ids["Dan"]} and set(by_stage[2:]) == {ids["Ben"], ids["Cara"]}
    soonest = listed(client, "?sort=deadline")
    assert soonest[0] == ids["Dan"] and soonest.index(ids["Dan"]) < soonest.index(ids["Ava"])
    assert listed(client, "?sort=deadline&dir=desc")[-1] == ids["Dan"]
    assert listed(client, "?sort=nonsense&dir=sideways") == listed(client)  # unknown choices: the default


def test_headers_say_how_the_list_is_sorted_and_their_links_keep_the_filters(app, team_cases):
    client = signed_in(app, "tm1")
    page = client.get("/cases?q=a&stage=referral&sort=child").text
    assert header(page, "Child") == ("ascending", "/cases?sort=child&dir=desc&q=a&stage=referral")
    assert header(page, "Opened") == ("none", "/cases?sort=opened&dir=desc&q=a&stage=referral")
    assert header(page, "Next deadline")[0] == "none"
    # The search form carries the sort, so a new search keeps it.
    assert '<input type="hidden" name="sort" value="child">' in page
    descending = client.get("/cases?sort=deadline&dir=desc").text
    assert header(descending, "Next deadline")[0] == "descending"
    assert "Overdue since 4 Mar 2026" in descending  # the next deadline shown, from the open steps


def test_paging_keeps_the_search_filters_and_sort(app, team_cases, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 1)
    ids, client = team_cases, signed_in(app, "sw1")
    first = client.get("/cases?q=a&stage=referral&sort=child&dir=desc").text
    assert "2 cases, page 1 of 2" in first
    following = html.unescape(re.search(r'href="([^"]+)" rel="next"', first).group(1))
    assert following == "/cases?page=2&q=a&stage=referral&sort=child&dir=desc"
    assert listed(client, "?q=a&stage=referral&sort=child&dir=desc") == [ids["Ava"]]
    assert listed(client, following.removeprefix("/cases")) == [ids["Dan"]]
    assert listed(client, "?q=a&stage=referral&sort=child&dir=desc&page=99") == [ids["Dan"]]  # past the end: last
    mine = client.get("/cases?show=mine&page=1").text
    assert "1 case<" in mine
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    all_first = client.get("/cases?show=mine&sort=reference").text
    assert 'rel="next"' not in all_first


def test_nothing_found_says_so(app, team_cases):
    client = signed_in(app, "sw1")
    page = client.get("/cases?q=Nobody").text
    assert "No cases match your search." in page and "<table" not in page


def test_a_team_manager_sees_their_team_and_narrows_to_it_when_they_see_every_team(app, factory, team_cases):
    other_team_worker = factory.user(Role.SOCIAL_WORKER)
    elsewhere = open_case(other_team_worker, referral_answers("Eve", "Elsewhere", "HG9 9ZZ"))
    tm1 = user(factory.session, "tm1")
    factory.session.commit()
    client = signed_in(app, "tm1")
    assert elsewhere.id not in listed(client) and set(listed(client)) == set(team_cases.values())
    assert listed(client, "?show=mine") == []  # nothing allocated to the manager themself
    assert listed(client, "?show=team") == listed(client)  # not offered to them: ignored, never wider
    both = factory.user(Role.TEAM_MANAGER, Role.SENIOR_MANAGER, team=tm1.team, username="tmsm")
    factory.session.commit()
    client = signed_in(app, both.username, PASSWORD)
    everything = listed(client)
    assert elsewhere.id in everything and set(team_cases.values()) <= set(everything)
    page = client.get("/cases").text
    assert '<option value="" selected>All cases</option>' in page and "My team&#39;s cases" in page
    assert set(listed(client, "?show=team")) == set(team_cases.values())
    assert set(listed(client, "?show=team&q=elsewhere")) == set()
