"""Professional resolution in a real browser: school1 refers online, tm1 decides no further action, school1
challenges the decision; stage 1 with sw1 is not resolved; at stage 2 tm1 writes the outcome statement and
school_lead1 confirms it, and only then does it show on the case page and in the school's view; tm1 reads the
partnership report for the week, putting right a date that is not one."""
import re
from datetime import datetime, timedelta

from playwright.sync_api import expect

from tests.e2e.steps import complete_step, days_ahead, fill, sign_in, sign_out
from webapp.columns import LONDON, long_date
from webapp.demo import DEMO_PASSWORD

def open_escalation(ui, reference: str) -> None:
    """From the Escalations list, the escalation about a case (its link also names when it was raised)."""
    ui.click("Escalations", role="link")
    ui.page.get_by_role("link", name=re.compile(rf"^Case {reference}\b")).first.click()
    ui.check_page()


OUTCOME = "A Section 17 assessment will start; the school shares its attendance log weekly."


def test_a_school_refers_challenges_the_decision_and_it_is_resolved_at_stage_2(ui, partnership_committed):
    page = ui.page
    sign_in(ui, "school1", DEMO_PASSWORD)
    ui.click("Make a referral", role="link")
    expect(page.get_by_label("Referrer's name")).to_have_value("Demo Class Teacher")
    fill(ui, {"child_given_names": "Ivy", "child_family_name": "Democase", "child_date_of_birth": "2018-06-01",
              "address": "7 Demo Close, Harrogate", "postcode": "HG1 2BB",
              "household_members-0-full_name": "Lee Democase", "household_members-0-relationship": "father",
              "household_members-0-has_parental_responsibility": True,
              "concern_what": "Ivy comes to school hungry and has missed 12 days this term",
              "parental_substance_use": "not_known", "domestic_abuse": "not_known", "parental_conflict": "no",
              "parental_mental_health": "not_known", "child_safe_now": True, "immediate_protection_needed": False,
              "parents_aware": True, "parents_consent": True})
    ui.click("Make the referral")
    expect(page.get_by_text("Referral made: case")).to_be_visible()
    reference = page.get_by_role("row").nth(1).get_by_role("cell").first.inner_text()
    expect(page.get_by_role("row").nth(1)).to_contain_text("Waiting for the team's decision")
    sign_out(ui)

    sign_in(ui, "tm1", DEMO_PASSWORD)
    complete_step(ui, reference, "Decide on the referral", {
        "decision": "no_further_action", "decision_reasons": "Universal services are enough",
        "referrer_acknowledged": False})
    sign_out(ui)

    sign_in(ui, "school1", DEMO_PASSWORD)
    ui.click("Referrals I made", role="link")
    expect(page.get_by_role("row").nth(1)).to_contain_text("Referral: no further action")
    ui.click("raise an escalation", role="link")
    page.get_by_label("Yes", exact=True).check()
    ui.click("Raise the escalation")
    expect(page.get_by_role("heading", name="The child's safety comes first")).to_be_visible()
    ui.click("raise the escalation", role="link")
    page.get_by_label("No", exact=True).check()
    page.get_by_label("What do you disagree with?").select_option(label=f"The decision on your referral, case {reference}")
    page.get_by_label("Threshold or referral decision").check()
    page.get_by_label("Describe the disagreement").fill("Twelve missed days and hunger meet the threshold")
    page.get_by_label("What is the risk to the child now?").fill("Ivy is hungry most mornings")
    page.get_by_label("What outcome are you seeking?").fill("A Section 17 assessment")
    ui.click("Raise the escalation")
    expect(page.get_by_text("Held by Demo Class Teacher and Demo Social Worker One")).to_be_visible()
    escalation_url = page.url
    sign_out(ui)

    sign_in(ui, "sw1", DEMO_PASSWORD)
    open_escalation(ui, reference)
    page.get_by_label("What was discussed").fill("We explained the decision: attendance is improving")
    ui.click("Record the discussion")
    expect(page.get_by_text("Recorded: both sides see it on this page")).to_be_visible()
    sign_out(ui)

    sign_in(ui, "school1", DEMO_PASSWORD)
    ui.goto(escalation_url.removeprefix(ui.base_url))
    expect(page.get_by_text("We explained the decision: attendance is improving")).to_be_visible()
    page.get_by_label("Why is it not resolved?").fill("Attendance is not improving; the log shows it")
    ui.click("Take it to stage 2")
    expect(page.get_by_text("Held by Demo Designated Safeguarding Lead and Demo Team Manager")).to_be_visible()
    sign_out(ui)

    sign_in(ui, "school_lead1", DEMO_PASSWORD)
    open_escalation(ui, reference)
    fill(ui, {"discussion": "Shared the attendance log with the team manager",
              "actions-0-action": "Send the attendance log weekly", "actions-0-owner": "School",
              "actions-0-due_on": days_ahead(14)})
    ui.click("Record the discussion")
    sign_out(ui)

    sign_in(ui, "tm1", DEMO_PASSWORD)
    ui.goto(escalation_url.removeprefix(ui.base_url))
    expect(page.get_by_text(f"Send the attendance log weekly: School, by {long_date(days_ahead(14))}")).to_be_visible()
    ui.click("Resolve with this outcome")  # without the statement first: a clear error, nothing changes
    expect(page.locator(".govuk-error-summary")).to_contain_text("Write the agreed outcome statement")
    page.get_by_label("Agreed outcome statement").fill(OUTCOME)
    ui.click("Resolve with this outcome")
    expect(page.locator("#proposed-statement")).to_have_text(OUTCOME)  # written, not yet agreed
    expect(page.get_by_text("Waiting for Demo Designated Safeguarding Lead to confirm it")).to_be_visible()
    ui.click("Cases", role="link")
    ui.click(reference, role="link")
    expect(page.locator("#escalations ~ p").first).to_have_text("Open at stage 2.")  # not on the record yet
    sign_out(ui)

    sign_in(ui, "school_lead1", DEMO_PASSWORD)  # the raiser's side confirms the statement
    open_escalation(ui, reference)
    expect(page.get_by_role("heading", name="Confirm the agreed outcome")).to_be_visible()
    ui.click("Send your answer")  # no answer first: a clear error, nothing changes
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select whether you agree")
    page.get_by_label("Yes, this is the agreed outcome").check()
    ui.click("Send your answer")
    expect(page.locator("#outcome-statement")).to_have_text(OUTCOME)
    sign_out(ui)

    sign_in(ui, "tm1", DEMO_PASSWORD)
    ui.click("Cases", role="link")
    ui.click(reference, role="link")
    expect(page.locator("#escalations ~ p.app-text").first).to_have_text(OUTCOME)  # on the case record
    sign_out(ui)

    sign_in(ui, "school1", DEMO_PASSWORD)  # the school's view: its escalation and the outcome, nothing else
    ui.click("Escalations", role="link")
    expect(page.get_by_role("row").filter(has_text=reference)).to_contain_text("Resolved")
    open_escalation(ui, reference)
    expect(page.locator("#outcome-statement")).to_have_text(OUTCOME)
    sign_out(ui)

    sign_in(ui, "tm1", DEMO_PASSWORD)  # the partnership report, its dates in GOV.UK date inputs
    ui.click("Escalations", role="link")
    ui.click("Partnership report: counts, chart and CSV", role="link")
    today = datetime.now(LONDON).date()
    fill(ui, {"from": (today - timedelta(days=7)).isoformat()})
    page.locator("#to-day").fill("31")
    page.locator("#to-month").fill("2")
    ui.click("Show")  # not a date: a clear error, and the last twelve months shown meanwhile
    expect(page.locator(".govuk-error-summary")).to_contain_text("The end date must be a real date")
    page.locator(".govuk-error-summary a").click()
    expect(page.locator("#to-day")).to_be_focused()
    fill(ui, {"to": today.isoformat()})
    ui.click("Show")
    expect(page.get_by_role("heading", level=2, name=re.compile("^Raised from"))).to_have_text(
        f"Raised from {today - timedelta(days=7):%-d %B %Y} to {today:%-d %B %Y}")
    expect(page.locator("svg[aria-labelledby='by-agency'] text").first).to_have_text("Demo Primary School")
    expect(page.get_by_role("row", name=re.compile("^Demo Primary School"))).to_contain_text("1")
