"""A statutory visit recorded from the case page in a real browser, with axe-core on every page: the form refuses
a visit with nothing typed, asks whether the child was seen alone only once "Yes, seen" is chosen, and the case
page then shows the visit and the next one due from the plan's frequency."""
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.cases.builders import complete
from tests.e2e.steps import error_summary, expect_done, fill, sign_in
from tests.visits.builders import case_at_plan, plan_answers, user
from webapp.demo import DEMO_PASSWORD


def test_the_worker_records_a_visit_from_the_case_page(ui, partnership_committed):
    session, page = partnership_committed, ui.page
    today = date.today()
    case = case_at_plan(session)
    complete(user(session, "sw1"), case, "cin_plan", plan_answers("fortnightly", agreed=today.isoformat()))
    session.commit()

    sign_in(ui, "sw1", DEMO_PASSWORD)
    ui.goto(f"/cases/{case.id}")
    panel = page.locator("#visits ~ dl").first
    expect(panel).to_contain_text(f"Next visit due by {(today + timedelta(days=14)):%-d %B %Y}")
    expect(panel).to_contain_text("Every two weeks")
    ui.click("Record a visit", role="button")
    ui.click("Record the visit")
    assert "Enter the date of the visit" in error_summary(ui)
    assert "Select whether the child was seen" in error_summary(ui)

    alone = page.get_by_role("group", name="Was the child seen alone?")
    expect(alone).to_be_hidden()
    fill(ui, {"visited_on": today.isoformat(), "is_child_seen": True})
    expect(alone).to_be_visible()  # revealed under "Yes"
    fill(ui, {"is_seen_alone": True, "is_bedroom_seen": False,
              "note": "Seen at home with her mother; talked about school."})
    ui.click("Record the visit")
    expect_done(ui, "Visit recorded")
    expect(page.get_by_role("heading", name="Statutory visits")).to_be_visible()
    expect(panel).to_contain_text(f"Next visit due by {(today + timedelta(days=14)):%-d %B %Y}")
    expect(panel.locator("div", has_text="Child last seen")).to_contain_text(f"{today:%-d %B %Y}")
    expect(page.get_by_role("table", name="Visits")).to_contain_text("Seen at home with her mother; talked about school.")
