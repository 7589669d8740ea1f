"""Forms people can finish, in a real browser: the referral in named sections under a task list, and "Add another"
keeping the place: with JavaScript the group alone is swapped (no page load) and focus moves to the new row, with
what was typed elsewhere kept; without JavaScript the page reloads at the new row."""
from playwright.sync_api import expect

from tests.e2e.steps import sign_in
from webapp.config import PROJECT_ROOT
from webapp.demo import DEMO_PASSWORD, seed_demo
from webapp.workflow.versions import deploy_directory

SECTIONS = ["The child", "Where the child lives", "Who is referring", "The concern", "Worries about the family",
            "The child's safety now", "Agencies involved", "Consent and the child's wishes"]


def partnership(session) -> None:
    deploy_directory(PROJECT_ROOT / "workflows")
    seed_demo(session)
    session.commit()


def test_the_referral_is_in_named_sections_and_add_another_moves_focus_to_the_new_row(ui, committed_db):
    partnership(committed_db)
    page = ui.page
    sign_in(ui, "sw1", DEMO_PASSWORD)
    ui.click_nav("New referral")
    tasks = page.locator(".govuk-task-list__link")
    expect(tasks).to_have_text(SECTIONS)
    tasks.filter(has_text="The concern").click()
    assert page.url.endswith("#section-the-concern")
    expect(page.get_by_role("heading", name="The concern", exact=True)).to_be_in_viewport()

    page.get_by_label("What is the concern?").fill("Arriving hungry at school")
    page.locator("#household_members-0-full_name").fill("Pat Demochild")
    loads = len(ui.loaded)
    page.get_by_role("button", name="Add another person").click()
    second = page.locator("#household_members-1-full_name")
    expect(second).to_be_focused()
    assert len(ui.loaded) == loads  # the group was swapped in place: no page load, nothing typed lost
    expect(page.get_by_label("What is the concern?")).to_have_value("Arriving hungry at school")
    second.fill("Jo Demochild")
    page.get_by_role("button", name="Add another person").click()
    expect(page.locator("#household_members-2-full_name")).to_be_focused()
    expect(second).to_have_value("Jo Demochild")
    expect(page.locator("#household_members-0-full_name")).to_have_value("Pat Demochild")
    page.get_by_role("button", name="Remove person 3").click()
    expect(page.locator("#household_members-2-full_name")).to_have_count(0)
    expect(page.locator("#household_members-1-full_name")).to_be_focused()
    ui.check_page()


def test_without_javascript_add_another_reloads_at_the_new_row(browser, live_server, committed_db):
    """axe-core cannot run where scripts do not (the same pages are checked with JavaScript above)."""
    partnership(committed_db)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server + "/sign-in")
        page.get_by_label("Username").fill("sw1")
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(live_server + "/referrals/new")
        page.locator("#household_members-0-full_name").fill("Pat Demochild")
        page.get_by_role("button", name="Add another person").click()
        page.wait_for_load_state()
        assert page.url.endswith("#household_members-1")
        expect(page.locator("#household_members-1")).to_be_in_viewport()
        expect(page.locator("#household_members-0-full_name")).to_have_value("Pat Demochild")
    finally:
        context.close()


def test_a_referral_sent_empty_says_what_to_do_in_govuk_words_and_each_error_leads_to_its_field(ui, committed_db):
    partnership(committed_db)
    page = ui.page
    sign_in(ui, "sw1", DEMO_PASSWORD)
    ui.click_nav("New referral")
    ui.click("Record the referral")
    summary = page.locator(".govuk-error-summary")
    for message in ("Enter the concern", "Select whether there is domestic abuse"):
        expect(summary).to_contain_text(message)
    expect(summary).not_to_contain_text("Enter what is the concern?")
    expect(page.locator(".govuk-task-list__item", has_text="The concern")).to_contain_text("There is a problem")
    summary.get_by_role("link", name="Enter the concern").click()
    expect(page.get_by_label("What is the concern?")).to_be_focused()
