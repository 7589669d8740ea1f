"""The case page as a working record, in a real browser: the facts at the top, the history collapsed until a step
is opened, a correction landing on its entry opened, a closed case's closure with no prompts for new work, and the
printed page a readable summary (no navigation, buttons or forms; the history printed open; the marking kept)."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from tests.cases.builders import complete
from tests.e2e.steps import sign_in
from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.config import PROJECT_ROOT
from webapp.demo import DEMO_PASSWORD, seed_demo, seed_demo_cases
from webapp.workflow.versions import deploy_directory


def demo_case(session) -> Case:
    deploy_directory(PROJECT_ROOT / "workflows")
    seed_demo(session)
    seed_demo_cases(session)
    session.commit()
    return session.scalar(select(Case))


def test_the_case_page_reads_as_a_record_and_prints_as_one(ui, committed_db):
    case = demo_case(committed_db)
    page = ui.page
    sign_in(ui, "tm1", DEMO_PASSWORD)
    ui.goto(f"/cases/{case.id}")
    summary = page.locator(".app-case-summary")
    for key in ("Born", "Stage", "Allocated social worker", "Next deadline", "What happens next"):
        expect(summary).to_contain_text(key)
    expect(summary).to_contain_text("years old")

    entry = page.locator("details.app-history").first
    answers = entry.locator(".govuk-details__text")
    expect(entry).to_contain_text("Record the referral")
    expect(answers).to_be_hidden()  # collapsed by default
    entry.locator("summary").click()
    expect(answers).to_contain_text("Ava has been arriving hungry and tired.")
    entry.locator("summary").click()  # closed again before printing: the print shows it all the same

    page.emulate_media(media="print")
    for hidden in (".govuk-service-navigation", ".app-account-bar", ".govuk-button", "form", ".govuk-summary-list__actions"):
        for element in page.locator(hidden).all():
            expect(element).to_be_hidden()
    expect(answers).to_be_visible()
    expect(answers).to_contain_text("Ava has been arriving hungry and tired.")
    expect(page.locator(".app-marking").first).to_be_visible()
    page.emulate_media(media="screen")
    ui.check_page()


def test_a_correction_lands_on_its_entry_opened_and_a_closed_case_offers_no_new_work(ui, committed_db):
    case = demo_case(committed_db)
    manager = committed_db.scalar(select(User).where(User.username == "tm1"))
    complete(manager, case, "referral_decision", {"decision": "advice", "decision_reasons": "Breakfast club offered",
                                                  "referrer_acknowledged": False})
    committed_db.commit()
    page = ui.page
    sign_in(ui, "tm1", DEMO_PASSWORD)
    ui.goto(f"/cases/{case.id}")
    expect(page.locator("#closure")).to_contain_text("Contact only: advice and information (not a referral): Breakfast club offered")
    expect(page.get_by_role("heading", name="Current steps")).to_have_count(0)
    expect(page.get_by_role("link", name="Reallocate the case")).to_have_count(0)

    decision = page.locator("details.app-history", has_text="Decide on the referral")
    decision.locator("summary").click()
    decision.get_by_role("link", name=re.compile(r"^Correct these answers\W+Decide on the referral$")).click()
    ui.check_page()
    page.get_by_label("Reasons for the decision").fill("Breakfast club offered; school nurse told")
    page.get_by_label("Why are the answers being corrected?").fill("The school nurse was told as well")
    ui.click("Save the correction")
    opened = page.locator("details.app-history", has_text="Decide on the referral")
    expect(opened).to_have_attribute("open", "")
    expect(opened).to_contain_text("The school nurse was told as well")
