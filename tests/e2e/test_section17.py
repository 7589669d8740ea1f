"""The Section 17 lifecycle in a real browser, from referral to closure, on the real diagram."""
from playwright.sync_api import expect
from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers, start_meeting_now
from tests.e2e.steps import (
    approve_minutes, close_with_actions_done, complete_step, convene_meeting, days_ahead, fill, record_attendance, record_safer_sleep, sign_in, sign_out,
    write_minutes,
)
from tests.safer_sleep.builders import SAFE
from webapp.agencies.models import Agency, AgencyKind
from webapp.auth.models import User
from webapp.cases.models import Case, Child, StepRecord
from webapp.config import PROJECT_ROOT
from webapp.demo import DEMO_PASSWORD, seed_demo
from webapp.mail.models import OutboxMessage
from webapp.meetings.models import Meeting
from webapp.workflow.versions import deploy_directory


def hold_meeting(ui, session, reference, step, minutes):
    """As sw1: convene a meeting step in the browser, let its time come, record attendance, write the minutes;
    tm1 approves them; sw1 is signed in again at the end."""
    meeting_url = convene_meeting(ui, reference, step, days_ahead(35), "16:00", "Harrogate Civic Centre")
    session.commit()
    start_meeting_now(session.get(Meeting, int(meeting_url.rsplit("/", 1)[1])))
    session.commit()
    record_attendance(ui, reference)
    write_minutes(ui, reference, {"minute_taker": "Demo Social Worker One", "child_views": "Settled and smiling",
                                  "worries": "Alcohol use at home", "decisions": minutes})
    sign_out(ui)
    sign_in(ui, "tm1", DEMO_PASSWORD)
    approve_minutes(ui, reference)
    sign_out(ui)
    sign_in(ui, "sw1", DEMO_PASSWORD)


def test_referral_to_closure_with_a_linked_household(ui, committed_db):
    deploy_directory(PROJECT_ROOT / "workflows")
    seed_demo(committed_db)
    gp = committed_db.scalar(select(Agency).where(Agency.kind == AgencyKind.GP_PRACTICE.value))
    sw1 = committed_db.scalar(select(User).where(User.username == "sw1"))
    older = open_case(sw1, referral_answers("Mia", "Sampleton", "HG2 7ZZ", gp_id=gp.id))
    committed_db.commit()
    page = ui.page

    sign_in(ui, "sw1", DEMO_PASSWORD)
    ui.click("New referral", role="link")
    how_often = page.get_by_label("How often the alcohol or substance use happens")
    expect(how_often).to_be_hidden()  # a follow-up, revealed under "Yes"
    fill(ui, {
        "child_given_names": "Baby", "child_family_name": "Sampleton", "child_date_of_birth": "2026-02-20",
        "address": "4 Sample Row, Harrogate", "postcode": "hg2 7zz",
        "household_members-0-full_name": "Jo Sampleton", "household_members-0-relationship": "mother",
        "household_members-0-has_parental_responsibility": True,
        "referrer_name": "Demo Midwife", "referrer_contact": "mw1@example.org",
        "concern_what": "Mother not attending appointments", "parental_substance_use": "yes",
        "parental_substance_use_details": "Reports of drinking", "parental_substance_use_frequency": "Most evenings",
        "parental_substance_use_impact": "Missed antenatal appointments",
        "parental_substance_use_child_says": "Too young to say", "domestic_abuse": "not_known",
        "parental_conflict": "no", "parental_mental_health": "no", "child_safe_now": True,
        "immediate_protection_needed": False, "gp_practice_id": str(gp.id), "parents_aware": True,
        "parents_consent": True,
    })
    expect(how_often).to_be_visible()
    ui.click("Record the referral")
    expect(page.get_by_role("heading", level=1)).to_contain_text("part of a household we know?")
    page.get_by_label("Link to the household at 1 Demo Street, Harrogate").check()
    ui.click("Record the referral")
    expect(page.get_by_role("heading", level=1)).to_have_text("Baby Sampleton")
    reference = page.locator(".govuk-caption-l").inner_text().split(" ")[1]
    expect(page.get_by_text(f"case {older.reference}")).to_be_visible()
    sign_out(ui)

    sign_in(ui, "tm1", DEMO_PASSWORD)
    complete_step(ui, reference, "Decide on the referral", {
        "decision": "section17_assessment", "allocated_worker_id": "Demo Social Worker One",
        "decision_reasons": "Unborn-to-newborn risk with parental alcohol use", "referrer_acknowledged": True,
        "acknowledgement_on": "2026-03-02"})
    sign_out(ui)

    sign_in(ui, "sw1", DEMO_PASSWORD)
    complete_step(ui, reference, "Carry out the assessment", {
        "agency_requests-0-agency_id": str(gp.id), "agency_requests-0-requested_on": "2026-03-03",
        "child_seen": True, "seen_on": "2026-03-04", "seen_alone": False,
        "child_wishes_and_feelings": "Too young to say; observed settled with mother", "primary_need": "N1",
        "parental_substance_use": "yes", "parental_substance_use_details": "Mother drinks wine in the evenings",
        "parental_substance_use_frequency": "Most evenings", "parental_substance_use_impact": "Night feeds missed",
        "parental_substance_use_child_says": "Too young to say", "domestic_abuse": "no", "parental_conflict": "no",
        "parental_mental_health": "not_known", "findings": "Needs support around alcohol use and safer sleep"})
    hold_meeting(ui, committed_db, reference, "Convene the multi-agency meeting", "Agreed a plan is needed")
    sign_out(ui)

    sign_in(ui, "tm1", DEMO_PASSWORD)
    complete_step(ui, reference, "Review the assessment", {"assessment_agreed": True})
    complete_step(ui, reference, "Decide the assessment outcome", {
        "outcome": "cin_plan", "outcome_reasons": "Needs met best through a plan"})
    sign_out(ui)

    sign_in(ui, "sw1", DEMO_PASSWORD)
    record_safer_sleep(ui, reference, SAFE)  # the baby is under 1: before the plan, and again before each review
    complete_step(ui, reference, "Write the child in need plan", {
        "plan_agreed_on": "2026-03-16", "needs_and_worries": "Parental alcohol use",
        "outcomes-0-outcome": "Baby sleeps safely every night",
        "actions-0-action": "Safer sleep visit", "actions-0-owner": "Health visitor", "actions-0-due_on": "2026-03-20",
        "actions-1-action": "Alcohol service referral", "actions-1-owner": "Social worker",
        "actions-1-due_on": "2026-03-27", "contingency": "Strategy discussion if drinking continues",
        "visiting_frequency": "fortnightly", "lead_practitioner": "Demo Social Worker One"},
        add_rows={"Add another action": 1})
    hold_meeting(ui, committed_db, reference, "Convene the meeting", "Plan agreed with the family")
    hold_meeting(ui, committed_db, reference, "Convene the meeting", "Outcomes met")
    record_safer_sleep(ui, reference, SAFE)
    complete_step(ui, reference, "Record the review's decision", {
        "progress": "Outcomes met", "review_decision": "close", "reason_for_closure": "RC7",
        "closure_summary": "Family engaging with universal services", "serious_incident": False})
    close_with_actions_done(ui, reference)  # the plan's actions are still open when the review closes the case

    ui.click("Cases", role="link")
    page.get_by_label("Case reference or child's name").fill("sampleton")  # a name in a URL: never in a log
    ui.click("Search")
    expect(page.get_by_role("row")).to_have_count(3)  # the header, the baby and the older sister
    ui.click(reference, role="link")
    expect(page.locator(".govuk-caption-l")).to_contain_text("Closed")
    history = page.locator(".app-history .govuk-details__summary-text").all_inner_texts()
    meeting_steps = ["Approve the minutes", "Write the minutes", "Record who attended"]
    assert history == ["Check the case's open work before closing", "Record the review's decision", *meeting_steps, "Convene the meeting", *meeting_steps,
                       "Convene the meeting", "Write the child in need plan", "Decide the assessment outcome",
                       "Review the assessment", *meeting_steps, "Convene the multi-agency meeting",
                       "Carry out the assessment", "Decide on the referral", "Record the referral"]
    plan = page.locator(".app-history", has_text="Write the child in need plan")
    plan.locator("summary").click()  # the history is collapsed: each step opens on its own
    expect(plan.get_by_text("Action 2: Action: Alcohol service referral")).to_be_visible()
    expect(page.get_by_text(f"case {older.reference}")).to_be_visible()

    committed_db.commit()
    case = committed_db.scalar(select(Case).join(Child).where(Child.given_names == "Baby"))
    assert case.child.household_id == older.child.household_id
    subjects = committed_db.scalars(select(OutboxMessage.subject).where(OutboxMessage.case_id == case.id,
                                                                        OutboxMessage.kind == "gp_notification")
                                    .order_by(OutboxMessage.id)).all()
    assert subjects == [f"Section 17 assessment started: case {reference}",
                        f"Section 17 assessment outcome: case {reference}",
                        f"Child in need plan agreed: case {reference}",
                        f"Child in need case closed: case {reference}"]
    assert committed_db.scalar(select(StepRecord).where(StepRecord.case_id == case.id,
                                                        StepRecord.bpmn_id == "cin_plan")).answers["actions"][1][
        "action"] == "Alcohol service referral"
