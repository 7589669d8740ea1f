"""An agency answers in the product; an agency that does not is chased. In a real browser, with axe-core."""
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers
from tests.e2e.steps import sign_in, sign_out
from webapp.auth.models import User
from webapp.config import PROJECT_ROOT
from webapp.demo import DEMO_PASSWORD, seed_demo
from webapp.mail.models import OutboxMessage
from webapp.worker import fire_due_timers
from webapp.workflow.versions import deploy_directory


def test_gp_answers_and_the_silent_school_is_chased(ui, committed_db, clock):
    deploy_directory(PROJECT_ROOT / "workflows")
    seed_demo(committed_db)
    sw1 = committed_db.scalar(select(User).where(User.username == "sw1"))
    case = open_case(sw1, referral_answers("Leo", "Demochild"))
    committed_db.commit()
    page = ui.page

    sign_in(ui, "sw1", DEMO_PASSWORD)
    for agency in ("Harrogate Demo Medical Practice (GP practice)", "Demo Primary School (School or nursery)"):
        ui.goto(f"/cases/{case.id}")
        ui.click("Request information from an agency", role="button")
        page.get_by_label("Agency", exact=True).select_option(label=agency)
        page.get_by_label("What do you need to know?").fill("Is Leo known to you, and do you have concerns?")
        ui.click("Send the request")
    expect(page.get_by_text("Demo Primary School: awaiting an answer")).to_be_visible()
    sign_out(ui)

    sign_in(ui, "gp1", DEMO_PASSWORD)
    ui.click("Information requests", role="link")
    expect(page.get_by_role("link", name=f"Request about case {case.reference}")).to_have_count(1)
    ui.click(f"Request about case {case.reference}", role="link")
    page.get_by_label("Yes").check()
    page.get_by_label("What you know about the child and family").fill("Registered here; missed two immunisations")
    ui.click("Send the answer")
    expect(page.get_by_text("Your answer has been sent to the social worker")).to_be_visible()
    sign_out(ui)

    clock.shift(timedelta(days=8))  # Tue 10 March: five working days have passed with no word from the school
    fire_due_timers()
    sign_in(ui, "sw1", DEMO_PASSWORD)
    ui.goto(f"/cases/{case.id}")
    expect(page.get_by_text("Harrogate Demo Medical Practice: answered")).to_be_visible()
    expect(page.get_by_text("Registered here; missed two immunisations")).to_be_visible()
    expect(page.get_by_text("Demo Primary School: chased")).to_be_visible()
    sign_out(ui)
    sign_in(ui, "tm1", DEMO_PASSWORD)
    ui.click("Dashboard", role="link")
    expect(page.get_by_role("row").filter(has_text="Demo Primary School")).to_contain_text("1")
    committed_db.commit()
    reminded = committed_db.scalars(select(OutboxMessage.to_address).where(OutboxMessage.subject.like("Reminder%"))).all()
    assert "school1@example.org" in reminded and "gp1@example.org" not in reminded
