"""API token pages in a real browser (axe-core on each): a person makes a token and sees its expiry; an
administrator makes a service token, sees every token with its state and revokes one."""
from playwright.sync_api import expect

from tests.e2e.steps import sign_in, sign_out
from webapp.demo import DEMO_PASSWORD, seed_demo


def test_people_and_administrators_manage_tokens(ui, committed_db):
    seed_demo(committed_db)
    committed_db.commit()
    sign_in(ui, "sw1", DEMO_PASSWORD)
    ui.click("API tokens", role="link")
    ui.click("Make a token")  # no name: the error summary
    expect(ui.page.locator(".govuk-error-summary")).to_contain_text("Name the token")
    ui.page.get_by_label("What will use the token?").fill("Nightly export")
    ui.click("Make a token")
    expect(ui.page.locator("#new-token-expiry")).to_contain_text("It works until")
    expect(ui.page.get_by_role("row", name="Nightly export")).to_contain_text("Active")
    sign_out(ui)

    sign_in(ui, "admin", DEMO_PASSWORD)
    ui.click("All API tokens", role="link")  # the administrators' page, in their navigation
    expect(ui.page.get_by_role("heading", level=1)).to_have_text("All API tokens")
    ui.page.get_by_label("Account the system acts as").select_option(label="Demo GP (gp1)")
    ui.page.get_by_label("Which system will use the token?").fill("Practice system")
    ui.click("Make a service token")
    expect(ui.page.locator("#new-token")).to_contain_text("cin_")
    ui.click("Revoke Nightly export of Demo Social Worker One")
    expect(ui.page.locator(".govuk-notification-banner")).to_contain_text("no longer works")
    expect(ui.page.get_by_role("row", name="Nightly export")).to_contain_text("Revoked")
    expect(ui.page.get_by_role("row", name="Practice system")).to_contain_text("Active")
