"""The administrators' audit trail, filtered on the server by person, case, kind of event and dates (GOV.UK date
inputs): each filter, together, kept across pages; a bad value is refused with GOV.UK's message and filters
nothing; only administrators read it."""
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest

from tests.helpers import sign_in
from webapp.audit.services import record_event
from webapp.auth.roles import Role


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=timezone.utc)  # British Summer Time: London is UTC+1


@pytest.fixture
def trail(factory, clock, client):
    """Six rows in the first days of June, then an administrator signed in on 10 June (their own rows come after)."""
    sam = factory.user(Role.SOCIAL_WORKER, username="sam", full_name="Sam Worker")
    kit = factory.user(Role.SOCIAL_WORKER, username="kit", full_name="Kit Worker")
    admin = factory.user(Role.ADMINISTRATOR, username="ada", full_name="Ada Admin")
    rows = [
        (at(1, 10), dict(actor=sam, subject=("cases", 12)), "case.viewed"),  # e1
        (at(1, 23, 30), dict(actor=sam, subject=("cases", 12)), "case.diagram_viewed"),  # e2: 00:30 on 2 June
        (at(3, 9), dict(actor=kit, subject=("cases", 13)), "case.viewed"),  # e3
        (at(4, 9), dict(actor_label="sam", detail={"reason": "wrong_password"}), "auth.sign_in_failed"),  # e4
        (at(4, 9, 5), dict(actor=sam, subject=sam), "auth.signed_in"),  # e5
        (at(5, 9), dict(actor_label="nobody-at-all", detail={"reason": "unknown_user"}), "auth.sign_in_failed"),  # e6
    ]
    for moment, who, action in rows:
        clock.move_to(moment)
        record_event(action, **who)
    clock.move_to(at(10, 9))
    sign_in(client, admin.username)
    return client


def table(page) -> list[tuple[str, ...]]:
    """(when, who, what, record) of each row shown."""
    document = lxml.html.fromstring(page.text)
    return [tuple(" ".join(cell.text_content().split()) for cell in row.xpath("td")[:4])
            for row in document.xpath("//table/tbody/tr")]


def events(page) -> set[tuple[str, str]]:
    """(when, what) of the rows shown, leaving out the administrator's own (their sign-in and looks)."""
    return {(when, what) for when, who, what, _ in table(page) if not who.startswith("Ada Admin")}


E1 = ("1 Jun 2026 11:00", "Looked at the case")
E2 = ("2 Jun 2026 00:30", "Looked at the process diagram")
E3 = ("3 Jun 2026 10:00", "Looked at the case")
E4 = ("4 Jun 2026 10:00", "Sign-in failed (wrong password)")
E5 = ("4 Jun 2026 10:05", "Signed in")
E6 = ("5 Jun 2026 10:00", "Sign-in failed (unknown user)")
EVERY = {E1, E2, E3, E4, E5, E6}


def test_unfiltered_the_trail_shows_every_row_in_words(trail):
    page = trail.get("/admin/audit/")
    assert page.status_code == 200
    assert events(page) == EVERY
    rows = table(page)
    assert ("1 Jun 2026 11:00", "Sam Worker (sam)", "Looked at the case", "Case CIN-000012") in rows
    assert ("4 Jun 2026 10:00", "sam", "Sign-in failed (wrong password)", "") in rows  # no account: the name typed
    assert ("4 Jun 2026 10:05", "Sam Worker (sam)", "Signed in", "Sam Worker (sam)") in rows
    assert not any("." in what and "_" in what for _, _, what, _ in rows)  # no action codes


def test_by_person_an_account_by_username_or_full_name_with_its_failed_sign_ins(trail):
    for typed in ("sam", "SAM", "Sam Worker", " sam worker "):
        assert events(trail.get("/admin/audit/", query_string={"person": typed})) == {E1, E2, E4, E5}, typed
    assert events(trail.get("/admin/audit/", query_string={"person": "nobody-at-all"})) == {E6}
    page = trail.get("/admin/audit/", query_string={"person": "no such person"})
    assert table(page) == [] and "No events match these filters." in page.text


def test_by_case_reference(trail):
    for typed in ("CIN-000012", "cin-000012", "12"):
        assert events(trail.get("/admin/audit/", query_string={"case": typed})) == {E1, E2}
    assert events(trail.get("/admin/audit/", query_string={"case": "CIN-000013"})) == {E3}


def test_by_kind_of_event_one_action_or_a_whole_area(trail):
    assert events(trail.get("/admin/audit/", query_string={"kind": "case.viewed"})) == {E1, E3}
    page = trail.get("/admin/audit/", query_string={"kind": "area:sign_in"})
    assert events(page) == {E4, E5, E6}
    assert {what for _, _, what, _ in table(page)} <= {"Signed in", "Sign-in failed (wrong password)",
                                                      "Sign-in failed (unknown user)"}
    assert events(trail.get("/admin/audit/", query_string={"kind": "no.such_thing"})) == EVERY  # ignored
    selected = lxml.html.fromstring(trail.get("/admin/audit/", query_string={"kind": "case.viewed"}).text)
    assert selected.xpath("//select[@id='kind']//option[@selected]/text()") == ["Looked at the case"]
    assert "Referrals and cases" in selected.xpath("//select[@id='kind']/optgroup/@label")


def dates(start=None, end=None) -> dict:
    query = {}
    for name, value in (("from", start), ("to", end)):
        if value:
            query |= dict(zip((f"{name}-day", f"{name}-month", f"{name}-year"), value))
    return query


def test_by_dates_in_london_days(trail):
    # e2 was written at 23:30 UTC on 1 June: 00:30 on 2 June in London, so it is a row of 2 June.
    assert events(trail.get("/admin/audit/", query_string=dates(("2", "6", "2026")))) == EVERY - {E1}
    assert events(trail.get("/admin/audit/", query_string=dates(end=("1", "6", "2026")))) == {E1}
    assert events(trail.get("/admin/audit/", query_string=dates(("2", "6", "2026"), ("3", "June", "2026")))) \
        == {E2, E3}
    page = trail.get("/admin/audit/", query_string=dates(("4", "6", "2026"), ("4", "6", "2026")))
    assert events(page) == {E4, E5}
    assert "filtered by from 4 June 2026, to 4 June 2026" in page.text


def test_the_filters_combine(trail):
    query = {"person": "sam", "kind": "area:cases"} | dates(("1", "6", "2026"), ("1", "6", "2026"))
    assert events(trail.get("/admin/audit/", query_string=query)) == {E1}
    assert events(trail.get("/admin/audit/", query_string={"person": "kit", "case": "CIN-000012"})) == set()
    assert events(trail.get("/admin/audit/", query_string={"person": "sam", "kind": "auth.sign_in_failed"})) == {E4}


def test_paging_keeps_the_filters(trail, clock):
    clock.move_to(at(7, 9))
    for _ in range(55):
        record_event("case.step_viewed", actor_label="sam", subject=("cases", 14))
    record_event("case.step_viewed", actor_label="kit", subject=("cases", 14))
    clock.move_to(at(10, 9))
    query = {"person": "sam", "kind": "case.step_viewed"} | dates(("7", "6", "2026"))
    first = trail.get("/admin/audit/", query_string=query)
    assert len(table(first)) == 50 and {who for _, who, _, _ in table(first)} == {"sam"}
    older, = lxml.html.fromstring(first.text).xpath("//a[@rel='next']/@href")
    kept = parse_qs(urlsplit(older).query)
    assert kept == {"person": ["sam"], "kind": ["case.step_viewed"], "from-day": ["7"], "from-month": ["6"],
                    "from-year": ["2026"], "page": ["2"]}
    second = trail.get(older)
    assert [(who, what) for _, who, what, _ in table(second)] == [("sam", "Opened a step")] * 5
    assert not lxml.html.fromstring(second.text).xpath("//a[@rel='next']")
    newer, = lxml.html.fromstring(second.text).xpath("//a[@rel='prev']/@href")
    assert parse_qs(urlsplit(newer).query)["page"] == ["1"] and "person=sam" in newer
    # The filled-in fields stay as typed on every page.
    fields = lxml.html.fromstring(second.text)
    assert fields.xpath("//input[@id='person']/@value") == ["sam"]
    assert fields.xpath("//input[@id='from-day']/@value") == ["7"]


@pytest.mark.parametrize("query, message, href, marked", [
    (dates(("31", "2", "2026")), "The start date must be a real date", "#from-day", ["from-day"]),
    (dates(("1", "13", "2026")), "The start date must be a real date", "#from-month", ["from-month"]),
    (dates(("1", "", "2026")), "The start date must include a month", "#from-month", ["from-month"]),
    (dates(("", "", "2026")), "The start date must include a day and month", "#from-day", ["from-day", "from-month"]),
    (dates(("1", "6", "26")), "The year of the start date must include 4 numbers", "#from-year", ["from-year"]),
    (dates(("1", "6", "twenty")), "The start date must be a real date", "#from-year", ["from-year"]),
    (dates(end=("x", "6", "2026")), "The end date must be a real date", "#to-day", ["to-day"]),
    (dates(("3", "6", "2026"), ("2", "6", "2026")), "The end date must be the same as or after 3 June 2026",
     "#to-day", ["to-day", "to-month", "to-year"]),
])
def test_a_bad_date_is_refused_with_the_message_and_filters_nothing(trail, query, message, href, marked):
    page = trail.get("/admin/audit/", query_string=query | {"person": "sam"})
    assert page.status_code == 400
    document = lxml.html.fromstring(page.text)
    assert document.xpath("//title/text()")[0].startswith("Error: ")
    assert document.xpath("//div[contains(@class, 'govuk-error-summary')]//a/@href") == [href]
    assert document.xpath("//div[contains(@class, 'govuk-error-summary')]//a/text()") == [message]
    assert message in document.xpath("//p[contains(@class, 'govuk-error-message')]")[0].text_content()
    assert document.xpath("//input[contains(@class, 'govuk-input--error')]/@id") == marked
    for name, value in query.items():  # what was typed stays in its field
        assert document.xpath(f"//input[@name='{name}']/@value") == [value]
    # Neither date filters (half a range would show what was not asked for); the person still does.
    assert events(page) == {E1, E2, E4, E5}
    assert "filtered by person “sam”" in page.text and "from 3 June" not in page.text


def test_a_case_reference_that_is_not_one_is_refused_and_filters_nothing(trail):
    page = trail.get("/admin/audit/", query_string={"case": "banana"})
    assert page.status_code == 400
    assert "Enter a case reference like CIN-000012" in page.text
    assert 'href="#case"' in page.text
    assert events(page) == EVERY


def test_only_administrators_read_the_trail(factory, client):
    for role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.SENIOR_MANAGER, Role.PROCESS_OWNER):
        person = factory.user(role)
        reader = client.application.test_client()
        sign_in(reader, person.username)
        assert reader.get("/admin/audit/", query_string={"person": "sam"}).status_code == 403, role
    anonymous = client.get("/admin/audit/")
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]
