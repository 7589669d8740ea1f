"""A step with choices, a revealed follow-up question and a select, completed with the keyboard alone."""
from playwright.sync_api import expect
from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers
from tests.e2e.steps import sign_in, tab_to
from webapp.auth.models import User
from webapp.cases.models import Case


def test_the_referral_decision_can_be_made_with_the_keyboard_alone(ui, partnership_committed):
    session = partnership_committed
    case = open_case(session.scalar(select(User).where(User.username == "sw1")), referral_answers())
    session.commit()
    sign_in(ui, "tm1", "demo-password")
    ui.click_nav("My tasks")
    page = ui.page
    tab_to(ui, f"a[href*='/cases/{case.id}/steps/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    ui.check_page()
    tab_to(ui, "input[name=decision]")
    for _ in range(3):  # arrow keys move through the choices: the fourth is the assessment
        page.keyboard.press("ArrowDown")
    expect(page.locator("#allocated_worker_id")).to_be_visible()  # revealed under the chosen answer
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "allocated_worker_id"
    page.keyboard.press("ArrowDown")  # the first social worker
    tab_to(ui, "#decision_reasons")
    page.keyboard.type("Concerns need a Section 17 assessment")
    tab_to(ui, "input[name=referrer_acknowledged]")
    page.keyboard.press("ArrowDown")  # "No"
    tab_to(ui, "button[value=submit]:not(.govuk-visually-hidden)")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("'Decide on the referral' completed")).to_be_visible()
    ui.check_page()
    session.commit()  # end this session's read snapshot: the browser's request committed in another
    assert session.get(Case, case.id).allocated_worker.username in {"sw1", "sw2"}
