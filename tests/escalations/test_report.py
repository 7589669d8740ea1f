"""The partnership report's page: dates in GOV.UK date inputs (a bad one refused with GOV.UK's message, the last
twelve months shown instead), the CSV for the dates shown, and charts whose labels are never cut off unseen."""
import csv
import io
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest

from tests.escalations.test_escalations import challenge, now, referred_and_closed
from tests.helpers import signed_in
from webapp.audit.services import NO_ORIGIN
from webapp.escalations import services
from webapp.escalations.report_chart import BAR_X, LABEL_WIDTH, MAX_LINES, text_width

LONG_NAME = ("The Royal Borough of Harrogate and Knaresborough Community Health Visiting and School Nursing Service "
             "(North, West and the Dales) Primary Academy Trust")
MARCH = {"from-day": "1", "from-month": "3", "from-year": "2026", "to-day": "31", "to-month": "3", "to-year": "2026"}


@pytest.fixture
def raised(app, partnership, clock):
    """Two escalations raised by a school with a very long name on 2 March 2026, committed for the pages."""
    case, school1 = referred_and_closed(partnership)
    school1.agency.name = LONG_NAME
    for category in ("threshold", "information_sharing"):
        services.raise_escalation(school1, challenge(case, category=category), origin=NO_ORIGIN, now=now())
    partnership.commit()
    return signed_in(app, "tm1")


def page_of(response):
    return lxml.html.fromstring(response.text)


def test_the_dates_typed_choose_the_escalations_and_the_csv_is_for_the_same_dates(raised):
    response = raised.get("/escalations/report", query_string=MARCH)
    assert response.status_code == 200
    page = page_of(response)
    assert page.xpath("//h2[contains(., 'Raised from')]/text()") == ["Raised from 1 March 2026 to 31 March 2026"]
    assert page.xpath("//dt[contains(., 'Escalations raised')]/following-sibling::dd/text()")[0].strip() == "2"
    for name, value in MARCH.items():  # the fields keep the dates, one field each
        assert page.xpath(f"//input[@name='{name}']/@value") == [value]
    link, = page.xpath("//a[contains(., 'Download these escalations as CSV')]/@href")
    assert {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()} == MARCH
    download = raised.get(link)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert len(list(csv.DictReader(io.StringIO(download.text)))) == 2
    assert "escalations-2026-03-01-to-2026-03-31.csv" in download.headers["Content-Disposition"]

    april = raised.get("/escalations/report", query_string=MARCH | {"from-month": "4", "to-month": "4",
                                                                     "to-day": "30"})
    assert page_of(april).xpath("//dt[contains(., 'Escalations raised')]/following-sibling::dd/text()")[0].strip() \
        == "0"


def test_without_dates_the_report_shows_the_last_twelve_months_in_the_fields(raised):
    page = page_of(raised.get("/escalations/report"))
    values = {name: page.xpath(f"//input[@name='{name}']/@value")[0] for name in MARCH}
    assert values == {"from-day": "2", "from-month": "3", "from-year": "2025",
                      "to-day": "2", "to-month": "3", "to-year": "2026"}  # the clock stands on 2 March 2026
    assert page.xpath("//dt[contains(., 'Escalations raised')]/following-sibling::dd/text()")[0].strip() == "2"


@pytest.mark.parametrize("changes, message, href", [
    ({"from-day": "31", "from-month": "2"}, "The start date must be a real date", "#from-day"),
    ({"to-month": ""}, "The end date must include a month", "#to-month"),
    ({"to-year": "226"}, "The year of the end date must include 4 numbers", "#to-year"),
    ({"from-day": "3", "to-day": "2", "to-month": "3"}, "The end date must be the same as or after 3 March 2026",
     "#to-day"),
])
def test_a_bad_date_is_refused_and_the_last_twelve_months_are_shown(raised, changes, message, href):
    query = MARCH | changes
    response = raised.get("/escalations/report", query_string=query)
    assert response.status_code == 400
    page = page_of(response)
    assert page.xpath("//title/text()")[0].startswith("Error: ")
    summary = page.xpath("//div[contains(@class, 'govuk-error-summary')]//a")
    assert [(a.text, a.get("href")) for a in summary] == [(message, href)]
    assert message in page.xpath("//p[contains(@class, 'govuk-error-message')]")[0].text_content()
    for name, value in query.items():  # what was typed stays, to be put right
        assert (page.xpath(f"//input[@name='{name}']/@value") or [""]) == [value]
    assert page.xpath("//h2[contains(., 'Raised from')]/text()") == ["Raised from 2 March 2025 to 2 March 2026"]
    link, = page.xpath("//a[contains(., 'Download these escalations as CSV')]/@href")
    assert parse_qs(urlsplit(link).query)["from-year"] == ["2025"]  # the dates shown, not the ones refused
    refused = raised.get("/escalations/report.csv", query_string=query)
    assert refused.status_code == 400 and message in refused.text


def test_no_chart_label_is_cut_off_unseen(raised):
    page = page_of(raised.get("/escalations/report", query_string=MARCH))
    charts = page.xpath("//svg")
    assert len(charts) == 3
    for chart in charts:
        width = int(chart.get("viewbox", chart.get("viewBox")).split()[2])
        for group in chart.xpath("./g"):
            label, count = group.xpath("./text")
            lines = [tspan.text or "" for tspan in label.xpath("./tspan")]
            assert 1 <= len(lines) <= MAX_LINES
            assert all(text_width(line) <= LABEL_WIDTH < BAR_X for line in lines)  # clear of the bar
            bar, = group.xpath("./rect")
            assert int(bar.get("x")) == BAR_X and int(count.get("x")) + 8 * len(count.text) <= width
    agency_chart = page.xpath("//svg[@aria-labelledby='by-agency']")[0]
    titled, = agency_chart.xpath("./g[title]")
    assert titled.xpath("./title/text()") == [f"{LONG_NAME}: 2"]  # in full where the drawing had to cut it
    drawn = " ".join(titled.xpath("./text[1]/tspan/text()"))
    assert drawn.startswith("The Royal Borough of Harrogate") and drawn.endswith("…")
    assert agency_chart.xpath("./g[not(title)]") == []  # the only agency is the long one
    stage = page.xpath("//svg[@aria-labelledby='by-stage']")[0]
    assert [" ".join(g.xpath("./text[1]/tspan/text()")) for g in stage.xpath("./g")][1] == \
        "Stage 2: line managers or designated safeguarding leads"  # wrapped, whole, no title
    assert not stage.xpath(".//title")
    table_cells = page.xpath("//caption[contains(., 'Raised by agency')]/../tbody//td[1]/text()")
    assert table_cells == [LONG_NAME]  # the figures table beside it gives it in full


def test_only_managers_and_the_chair_see_the_report(app, partnership):
    for name in ("sw1", "school1", "gp1", "admin"):
        assert signed_in(app, name).get("/escalations/report", query_string=MARCH).status_code == 403, name
        assert signed_in(app, name).get("/escalations/report.csv", query_string=MARCH).status_code == 403, name
    for name in ("tm1", "sm1", "chair1"):
        assert signed_in(app, name).get("/escalations/report", query_string=MARCH).status_code == 200, name

