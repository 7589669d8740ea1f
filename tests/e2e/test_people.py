"""Journeys of the people pages in a real browser: sign-in per role, wrong details, and user administration."""
import re

from playwright.sync_api import expect

from tests.e2e.steps import error_summary, sign_in, sign_out
from webapp.auth.roles import Role
from webapp.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo

CASEWORK = ["Home", "My tasks", "Cases", "New referral"]
EXPECTED_NAVIGATION = {role: ["Home"] for role in Role} | {
    Role.ADMINISTRATOR: ["Home", "Processes", "Users", "Teams", "All API tokens", "Agencies", "Settings", "Mail",
                         "Calendar replies", "Audit trail"],
    Role.PROCESS_OWNER: ["Home", "Processes"],
    Role.SOCIAL_WORKER: CASEWORK + ["Pregnancy notifications", "Escalations"],
    Role.TEAM_MANAGER: CASEWORK + ["Dashboard", "Returns", "Pregnancy notifications", "Escalations"],
    Role.SENIOR_MANAGER: ["Home", "Cases", "Dashboard", "Returns", "Escalations"],
    Role.AGENCY_PRACTITIONER: ["Home", "Information requests", "Meetings", "Make a referral", "Referrals I made",
                               "Escalations"],
    Role.INDEPENDENT_CHAIR: ["Home", "Escalations"],
}
# Midwives and health visitors also see the pregnancy notifications of their team.
HEALTH_NAVIGATION = ["Home", "Information requests", "Meetings", "Make a referral", "Referrals I made",
                     "Pregnancy notifications", "Escalations"]


def test_every_demo_user_signs_in_and_sees_the_navigation_of_their_role(ui, committed_db):
    seed_demo(committed_db)
    committed_db.commit()
    for username, (full_name, roles, _, _) in DEMO_USERS.items():
        sign_in(ui, username, DEMO_PASSWORD)
        expect(ui.page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {full_name}")
        role, = roles
        expected = HEALTH_NAVIGATION if username in ("hv1", "mw1") else EXPECTED_NAVIGATION[role]
        assert ui.navigation() == expected, username
        expect(ui.page.get_by_text("OFFICIAL-SENSITIVE").first).to_be_visible()
        sign_out(ui)


def test_wrong_password_and_unknown_user_get_the_same_message(ui, committed_factory):
    committed_factory.user(Role.SOCIAL_WORKER, username="realperson")
    sign_in(ui, "realperson", "not-my-password")
    wrong_password = error_summary(ui)
    sign_in(ui, "nosuchperson", "not-my-password")
    unknown_user = error_summary(ui)
    assert wrong_password == unknown_user
    assert "Enter a correct username and password" in unknown_user


def test_sign_in_works_with_the_keyboard_alone(ui, committed_factory):
    committed_factory.user(Role.SOCIAL_WORKER, username="keyboard", full_name="Keyboard User")
    ui.goto("/sign-in")
    page = ui.page
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "username":
            break
    else:
        raise AssertionError("the username field cannot be reached with Tab")
    page.keyboard.type("keyboard")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "password"
    page.keyboard.type("correct-horse-battery")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Keyboard User")
    ui.check_page()


def test_administrator_creates_a_user_changes_a_role_and_deactivates_them(ui, committed_db):
    seed_demo(committed_db)
    committed_db.commit()
    page = ui.page
    sign_in(ui, "admin", DEMO_PASSWORD)
    ui.click("Users", role="link")
    ui.click("Add a user", role="button")
    ui.click("Create user")  # an empty form is explained, not saved
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert "Enter a username" in error_summary(ui)
    page.get_by_label("Username").fill("newstarter")
    page.get_by_label("Full name").fill("New Starter")
    page.get_by_label("Work e-mail address").fill("new.starter@example.org")
    page.get_by_label("Social worker").check()
    page.get_by_label("Team", exact=True).select_option(label="Harrogate CIN team")
    ui.click("Create user")
    temporary = page.locator("#temporary-password").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{6}(-[0-9a-f]{6}){3}", temporary)

    ui.click("Back to users", role="link")
    ui.click("New Starter", role="link")
    page.get_by_label("Social worker").uncheck()
    page.get_by_label("Team manager").check()
    ui.click("Save changes")
    row = page.get_by_role("row").filter(has_text="newstarter")
    expect(row).to_contain_text("Team manager")
    expect(row).not_to_contain_text("Social worker")

    ui.click("New Starter", role="link")
    ui.click("Deactivate account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Deactivate New Starter's account?")  # asks first
    ui.click("Yes, deactivate the account")
    expect(page.get_by_text("New Starter can no longer sign in")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="newstarter")).to_contain_text("Deactivated")
    sign_out(ui)

    sign_in(ui, "newstarter", temporary)
    assert "Enter a correct username and password" in error_summary(ui)
