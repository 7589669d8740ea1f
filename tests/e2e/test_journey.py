"""The README tour from a referral to a written child in need plan, safer sleep included, as its people would walk
it: each starts from their home page, finishing a step leads to their next one, and the clicks (links followed and
buttons pressed) and page loads are counted. More than CLICK_BUDGET clicks fails."""
from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from tests.cases.builders import start_meeting_now
from tests.e2e.steps import expect_done, fill, sign_in, sign_out
from tests.safer_sleep.builders import SAFE
from webapp.agencies.models import Agency, AgencyKind
from webapp.cases.models import Case, StepRecord
from webapp.config import PROJECT_ROOT
from webapp.demo import DEMO_PASSWORD, seed_demo, seed_demo_cases
from webapp.meetings.models import Meeting
from webapp.workflow.versions import deploy_directory

CLICK_BUDGET = 30


def from_home(ui, step: str, reference: str) -> None:
    """Open a step from the home page's own list of open steps (signing in lands there)."""
    if ui.page.url.rstrip("/") != ui.base_url.rstrip("/"):
        ui.click_nav("Home")
    ui.click(f"{step} for case {reference}", role="link")


def test_referral_to_a_written_plan_within_the_click_budget(ui, committed_db, capsys):
    deploy_directory(PROJECT_ROOT / "workflows")
    seed_demo(committed_db)
    seed_demo_cases(committed_db)  # Ava Demochild's household, which the new baby joins
    gp = committed_db.scalar(select(Agency).where(Agency.kind == AgencyKind.GP_PRACTICE.value))
    committed_db.commit()
    page = ui.page
    born = (date.today() - timedelta(weeks=3)).isoformat()

    sign_in(ui, "sw1", DEMO_PASSWORD)
    ui.click_nav("New referral")
    fill(ui, {
        "child_given_names": "Sam", "child_family_name": "Demochild", "child_date_of_birth": born,
        "address": "1 Demo Street, Harrogate", "postcode": "HG1 1AA",
        "household_members-0-full_name": "Pat Demochild", "household_members-0-relationship": "mother",
        "household_members-0-has_parental_responsibility": True,
        "referrer_name": "Demo Midwife", "referrer_contact": "mw1@example.org",
        "concern_what": "Mother drinking in the evenings with a newborn", "parental_substance_use": "yes",
        "parental_substance_use_details": "Wine most evenings", "parental_substance_use_frequency": "Most evenings",
        "parental_substance_use_impact": "Night feeds missed", "parental_substance_use_child_says": "Too young",
        "domestic_abuse": "no", "parental_conflict": "no", "parental_mental_health": "no", "child_safe_now": True,
        "immediate_protection_needed": False, "gp_practice_id": str(gp.id), "parents_aware": True,
        "parents_consent": True,
    })
    ui.click("Record the referral")
    page.get_by_label("Link to the household at 1 Demo Street, Harrogate").check()
    ui.click("Record the referral")
    reference = page.locator(".govuk-caption-l").inner_text().split(" ")[1]
    case_id = int(page.url.rsplit("/", 1)[1])
    sign_out(ui)

    sign_in(ui, "tm1", DEMO_PASSWORD)
    from_home(ui, "Decide on the referral", reference)
    fill(ui, {"decision": "section17_assessment", "allocated_worker_id": "Demo Social Worker One",
              "decision_reasons": "A newborn and parental alcohol use", "referrer_acknowledged": True,
              "acknowledgement_on": date.today().isoformat()})
    ui.click("Complete this step")
    expect_done(ui, "'Decide on the referral' completed")
    sign_out(ui)

    sign_in(ui, "sw1", DEMO_PASSWORD)
    from_home(ui, "Carry out the assessment", reference)
    fill(ui, {"child_seen": True, "seen_on": date.today().isoformat(), "seen_alone": False,
              "child_wishes_and_feelings": "Too young to say; settled with mother", "primary_need": "N1",
              "parental_substance_use": "yes", "parental_substance_use_details": "Wine most evenings",
              "parental_substance_use_frequency": "Most evenings", "parental_substance_use_impact": "Feeds missed",
              "parental_substance_use_child_says": "Too young", "domestic_abuse": "no", "parental_conflict": "no",
              "parental_mental_health": "no", "findings": "Support needed around alcohol and safer sleep"})
    ui.click("Complete this step")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Convene the multi-agency meeting")  # next
    fill(ui, {"date": (date.today() + timedelta(days=7)).isoformat(), "time": "10:00",
              "location": "Harrogate Civic Centre"})
    ui.click("Send the invitations")
    expect_done(ui, "the invitations are on their way")
    committed_db.commit()  # a fresh read of what the browser did
    start_meeting_now(committed_db.scalar(select(Meeting).where(Meeting.case_id == case_id)))
    committed_db.commit()
    from_home(ui, "Record who attended", reference)
    for choice in page.get_by_role("radio", name="Attended", exact=True).all():
        choice.check()
    ui.click("Record attendance")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Write the minutes")  # next
    fill(ui, {"minute_taker": "Demo Social Worker One", "child_views": "Too young; settled",
              "worries": "Alcohol use at home", "decisions": "A child in need plan is needed"})
    ui.click("Send to the chair for approval")
    sign_out(ui)

    sign_in(ui, "tm1", DEMO_PASSWORD)
    from_home(ui, "Approve the minutes", reference)
    page.get_by_label("Approve and issue the minutes").check()
    ui.click("Confirm")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Review the assessment")  # next
    fill(ui, {"assessment_agreed": True})
    ui.click("Complete this step")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Decide the assessment outcome")  # next
    fill(ui, {"outcome": "cin_plan", "outcome_reasons": "Needs met best through a plan"})
    ui.click("Complete this step")
    sign_out(ui)

    sign_in(ui, "sw1", DEMO_PASSWORD)
    from_home(ui, "Write the child in need plan", reference)
    ui.click("Record a safer-sleep assessment", role="link")  # a baby's plan waits for one
    fill(ui, SAFE)
    ui.click("Record the assessment")
    expect(page.get_by_role("heading", level=1)).to_have_text("Write the child in need plan")  # back at the step
    fill(ui, {"plan_agreed_on": date.today().isoformat(), "needs_and_worries": "Parental alcohol use",
              "outcomes-0-outcome": "Sam sleeps safely every night",
              "actions-0-action": "Alcohol service referral", "actions-0-owner": "Social worker",
              "actions-0-due_on": (date.today() + timedelta(days=14)).isoformat(),
              "contingency": "Strategy discussion if drinking continues", "visiting_frequency": "fortnightly",
              "lead_practitioner": "Demo Social Worker One"})
    ui.click("Complete this step")
    expect_done(ui, "'Write the child in need plan' completed")

    committed_db.commit()
    plan = committed_db.scalar(select(StepRecord).where(StepRecord.case_id == case_id, StepRecord.bpmn_id == "cin_plan"))
    assert plan is not None and plan.answers["actions"][0]["action"] == "Alcohol service referral"
    assert committed_db.get(Case, case_id).stage == "cin_plan"
    with capsys.disabled():
        print(f"\nReferral to a written CIN plan: {ui.clicks} clicks (links and buttons), {len(ui.loaded)} page loads")
    assert ui.clicks <= CLICK_BUDGET, f"{ui.clicks} clicks from referral to a written plan (budget {CLICK_BUDGET})"
