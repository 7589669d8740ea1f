"""The administrator's Settings page in a real browser, with axe-core."""
from playwright.sync_api import expect

from tests.e2e.steps import sign_in
from webapp.demo import DEMO_PASSWORD, seed_demo
from webapp.partnership.services import extra_holidays, setting_value


def test_administrator_changes_a_setting_and_adds_a_bank_holiday(ui, committed_db):
    seed_demo(committed_db)
    committed_db.commit()
    page = ui.page
    sign_in(ui, "admin", DEMO_PASSWORD)
    ui.click("Settings", role="link")
    page.get_by_label("Child in need reviews, at most every").fill("4")
    ui.click("Save settings")
    expect(page.get_by_text("1 setting(s) changed")).to_be_visible()
    page.get_by_label("Day", exact=True).fill("9")
    page.get_by_label("Month", exact=True).fill("3")
    page.get_by_label("Year", exact=True).fill("2026")
    page.get_by_label("Name", exact=True).fill("Coronation")
    ui.click("Add bank holiday")
    expect(page.get_by_text("Monday 9 March 2026: Coronation")).to_be_visible()
    ui.click("Mail", role="link")
    expect(page.get_by_text("The worker has not given up on any message.")).to_be_visible()
    committed_db.commit()
    assert setting_value("cin_review_interval") == 4 and len(extra_holidays()) == 1
