"""The administrator's agency pages in a real browser, with axe-core: marking a mailbox accredited."""
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.steps import sign_in
from webapp.agencies.models import Agency
from webapp.demo import DEMO_AGENCIES, DEMO_PASSWORD, seed_demo

ACCREDITED = "This mailbox is accredited for OFFICIAL-SENSITIVE mail (for example NHSmail)"


def test_administrator_marks_the_school_mailbox_accredited(ui, committed_db):
    seed_demo(committed_db)
    committed_db.commit()
    page = ui.page
    sign_in(ui, "admin", DEMO_PASSWORD)
    ui.click("Agencies", role="link")
    school = DEMO_AGENCIES["school"][0]
    row = page.get_by_role("row").filter(has_text=school)
    expect(row).to_contain_text("Not accredited: case reference only")
    expect(page.get_by_role("row").filter(has_text=DEMO_AGENCIES["gp"][0])).to_contain_text("Accredited")
    ui.click(school, role="link")
    box = page.get_by_label(ACCREDITED)
    expect(box).not_to_be_checked()
    box.check()
    ui.click("Save agency")
    expect(page.get_by_text(f"{school} saved")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=school)).to_contain_text("Accredited: e-mails name the child")
    committed_db.rollback()
    assert committed_db.scalar(select(Agency.is_secure_mailbox).where(Agency.name == school)) is True
