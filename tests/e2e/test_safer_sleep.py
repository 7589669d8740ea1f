"""A baby's plan in a real browser, with axe-core: the plan step warns that a safer-sleep assessment is needed,
the worker records one (a follow-up revealed under "Yes") and comes back to a plan holding its risk actions;
then health visiting is asked and the health visitor records the next one from their request."""
from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from tests.cases.builders import complete, open_case, referral_answers, take_to_assessment_outcome
from tests.e2e.steps import error_summary, expect_done, fill, open_my_task, sign_in, sign_out
from tests.safer_sleep.builders import RISK_FLAGS, RISKY, SAFE
from webapp.auth.models import User
from webapp.demo import DEMO_PASSWORD
from webapp.safer_sleep.models import SaferSleepAssessment


def test_the_plan_waits_for_a_safer_sleep_assessment_and_health_visiting_records_the_next(ui, partnership_committed):
    session, page = partnership_committed, ui.page
    sw1, tm1 = (session.scalar(select(User).where(User.username == name)) for name in ("sw1", "tm1"))
    born = (date.today() - timedelta(weeks=10)).isoformat()
    case = open_case(sw1, referral_answers(child_date_of_birth=born))
    take_to_assessment_outcome(case, sw1, tm1)
    complete(tm1, case, "assessment_outcome", {"outcome": "cin_plan", "outcome_reasons": "x"})
    session.commit()
    reference = case.reference

    sign_in(ui, "sw1", DEMO_PASSWORD)
    open_my_task(ui, reference, "Write the child in need plan")
    expect(page.locator(".govuk-warning-text")).to_contain_text("before the plan can be agreed")
    ui.click("Record a safer-sleep assessment", role="link")
    ui.click("Record the assessment")
    assert "Select where the baby usually sleeps" in error_summary(ui)
    details = page.get_by_label("What, how often, and who cares for the baby then")
    expect(details).to_be_hidden()
    fill(ui, {key: value for key, value in RISKY.items() if key != "substances_details"})
    expect(details).to_be_visible()  # revealed under "Yes"
    details.fill(RISKY["substances_details"])
    ui.click("Record the assessment")
    expect(page.get_by_text("Safer-sleep assessment recorded")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write the child in need plan")  # back at the step
    expect(page.locator(".app-flags")).to_contain_text(RISK_FLAGS[0])
    expect(page.locator("#actions-0-action")).to_have_value(
        "Make sure the baby has a cot or Moses basket for every sleep, and explain that a sofa or armchair is "
        "the most dangerous place to fall asleep with a baby")
    fill(ui, {"plan_agreed_on": date.today().isoformat(), "needs_and_worries": "Unsafe sleep at night",
              "outcomes-0-outcome": "Baby sleeps safely every night", "contingency": "Strategy discussion",
              "visiting_frequency": "weekly", "lead_practitioner": "Demo Social Worker One"})
    ui.click("Complete this step")
    expect_done(ui, "'Write the child in need plan' completed")  # and on to the next step: convening
    ui.goto(f"/cases/{case.id}")
    expect(page.locator("#safer-sleep ~ dl").first).to_contain_text(RISK_FLAGS[0])  # its own list, before later sections

    ui.click("Ask health visiting or midwifery")
    page.get_by_label("Health visiting or midwifery service").select_option(
        label="Demo Health Visiting Service (Health visiting)")
    page.get_by_label("Anything the practitioner should know (optional)").fill("Baby sleeps on the sofa")
    ui.click("Send the request")
    expect(page.get_by_text("Demo Health Visiting Service has been asked")).to_be_visible()
    sign_out(ui)

    sign_in(ui, "hv1", DEMO_PASSWORD)
    ui.click("Information requests", role="link")
    ui.click(f"Safer-sleep assessment for case {reference}", role="link")
    expect(page.get_by_text("Baby sleeps on the sofa")).to_be_visible()
    fill(ui, SAFE)
    ui.click("Record the assessment")
    expect(page.get_by_text("The safer-sleep assessment has been recorded")).to_be_visible()
    session.commit()  # a fresh read: the pages wrote in other connections
    latest = session.scalars(select(SaferSleepAssessment).order_by(SaferSleepAssessment.id.desc())).first()
    assert latest.recorded_by.username == "hv1" and latest.answers["sleeps_where"] == "cot"
