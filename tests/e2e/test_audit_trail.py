"""The audit trail in a real browser: an administrator filters it by person and kind of event, puts right a date
that is not one, and pages on with the filters kept; axe-core checks every page."""
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.steps import sign_in, sign_out
from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.demo import DEMO_PASSWORD


def test_an_administrator_filters_the_trail_in_words(ui, partnership_committed):
    sw1 = partnership_committed.scalar(select(User).where(User.username == "sw1"))
    for _ in range(55):
        record_event("case.diagram_viewed", actor=sw1, subject=("cases", 7))
    partnership_committed.commit()
    page = ui.page

    sign_in(ui, "admin", DEMO_PASSWORD)
    ui.click_nav("Audit trail")
    page.get_by_label("Person").fill("Demo Social Worker One")
    page.get_by_label("Kind of event").select_option(label="Looked at the process diagram")
    page.locator("#from-day").fill("30")
    page.locator("#from-month").fill("2")
    page.locator("#from-year").fill("2026")
    ui.click("Apply filters")
    expect(page.locator(".govuk-error-summary")).to_contain_text("The start date must be a real date")
    expect(page.get_by_label("Person")).to_have_value("Demo Social Worker One")  # nothing typed is lost
    page.locator("#from-day").fill("")
    page.locator("#from-month").fill("")
    page.locator("#from-year").fill("")
    ui.click("Apply filters")
    expect(page.locator("caption")).to_have_text(
        "Page 1, filtered by person “Demo Social Worker One”, “Looked at the process diagram”")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("Demo Social Worker One (sw1)")
    expect(rows.first).to_contain_text("Looked at the process diagram")
    expect(rows.first).to_contain_text("Case CIN-000007")
    ui.click("Older events", role="link")
    expect(page.locator("tbody tr")).to_have_count(5)
    expect(page.get_by_label("Kind of event")).to_have_value("case.diagram_viewed")
    sign_out(ui)
