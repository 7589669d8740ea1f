"""An agency practitioner prepares for a meeting and follows up, in a real browser: the social worker writes a
plan with an action owned by the GP practice and convenes the initial child in need meeting; the GP, signed in,
reads on the meeting's page what it is for, the agenda and which patient it is (name, date of birth, NHS number
as the referral recorded it) and answers there; the action is under "Actions I own" on the GP's home page, marked
done through the page that asks first, gone from the home page, and done on the case's record."""
import re
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from tests.cases.builders import complete, open_case, referral_answers, take_to_assessment_outcome
from tests.e2e.steps import complete_step, convene_meeting, days_ahead, expect_done, sign_in, sign_out
from webapp.agencies.models import Agency, AgencyKind
from webapp.auth.models import User
from webapp.columns import long_date
from webapp.demo import DEMO_PASSWORD
from webapp.meetings.models import Invitee, Meeting, MeetingKind
from webapp.minutes.models import CaseAction

GP_ACTION = "Review the asthma medication with the mother"  # no apostrophe: fill() puts values in a CSS selector
SW_ACTION = "Home visit after school"
GP_DUE, SW_DUE, MEETING_ON = days_ahead(14), days_ahead(21), days_ahead(7)


def follow(ui, name: re.Pattern) -> None:
    """Follow the link whose accessible name matches, then check the page it leads to."""
    ui.page.get_by_role("link", name=name).click()
    ui.check_page()


def test_a_gp_prepares_for_the_meeting_answers_it_and_marks_the_practice_s_action_done(ui, partnership_committed):
    session, page = partnership_committed, ui.page
    gp = session.scalar(select(Agency).where(Agency.kind == AgencyKind.GP_PRACTICE.value))
    sw1, tm1, gp1 = (session.scalar(select(User).where(User.username == name)) for name in ("sw1", "tm1", "gp1"))
    case = open_case(sw1, referral_answers(gp_id=gp.id, child_nhs_number="943 476 5919"))
    take_to_assessment_outcome(case, sw1, tm1)
    complete(tm1, case, "assessment_outcome", {"outcome": "cin_plan", "outcome_reasons": "x"})
    session.commit()
    reference, case_id = case.reference, case.id

    # The social worker names the GP practice as the owner of one action, then convenes the first CIN meeting.
    sign_in(ui, "sw1", DEMO_PASSWORD)
    complete_step(ui, reference, "Write the child in need plan", {
        "plan_agreed_on": date.today().isoformat(), "needs_and_worries": "Night-time asthma keeps Ava awake",
        "outcomes-0-outcome": "Ava sleeps through most nights",
        "actions-0-action": GP_ACTION, "actions-0-owner": "Demo GP", "actions-0-owner_agency": gp.name,
        "actions-0-due_on": GP_DUE,
        "actions-1-action": SW_ACTION, "actions-1-owner": "Social worker", "actions-1-due_on": SW_DUE,
        "contingency": "Strategy discussion if a new injury is seen", "visiting_frequency": "fortnightly",
        "lead_practitioner": "Demo Social Worker One"}, add_rows={"Add another action": 1})
    convene_meeting(ui, reference, "Convene the meeting", MEETING_ON, "10:00", "Harrogate Civic Centre")
    sign_out(ui)

    # The GP signs in to their home page: the practice's action is theirs, the social worker's is not.
    sign_in(ui, "gp1", DEMO_PASSWORD)
    owned = page.locator("#actions-i-own + table")
    expect(owned).to_contain_text(GP_ACTION)
    expect(owned).to_contain_text(f"For {gp.name}: Demo GP")
    expect(owned).to_contain_text(reference)
    expect(owned).to_contain_text(long_date(GP_DUE))
    expect(owned).not_to_contain_text(SW_ACTION)

    # To the meeting from the home page's own list of the meetings they are invited to: what it is for, the
    # agenda, which patient; the answer given there.
    meetings = page.locator("h2:text-is('Your meetings') + ul")
    expect(meetings).to_contain_text(f"(case {reference})")
    meetings.get_by_role("link", name=re.compile(r"^Initial child in need meeting, ")).click()
    ui.check_page()
    expect(page.get_by_role("heading", level=1)).to_have_text("Initial child in need meeting")
    expect(page.get_by_text("Harrogate Civic Centre", exact=True)).to_be_visible()
    answer_row = page.locator(".govuk-summary-list__row", has_text="Your answer")
    expect(answer_row).to_contain_text("No answer yet")
    expect(page.locator("#what-it-is-for + p")).to_have_text(MeetingKind.INITIAL_CIN.purpose)
    expect(page.locator("#which-child")).to_have_text("Which patient this is")
    patient = page.locator("#which-child + .govuk-summary-list")
    for label, value in (("Name", "Ava Demochild"), ("Date of birth", "3 April 2019"),
                         ("NHS number", "943 476 5919")):
        expect(patient.locator(".govuk-summary-list__row", has_text=label)
               .locator(".govuk-summary-list__value")).to_have_text(value)
    agenda = page.locator("#agenda + ol > li")
    expect(agenda.first).to_have_text("Introductions, and who sent apologies or reports")
    expect(agenda).to_contain_text(["The child's views, and the parents' and family's views",
                                    "Actions: who will do what, by when", "Date of the next review"])
    plan_actions = page.locator("h3", has_text="Actions in the plan").locator("+ ul")
    expect(plan_actions).to_contain_text(f"{GP_ACTION}: Demo GP, by {long_date(GP_DUE)}")
    page.get_by_label("Yes, I will come").check()
    page.get_by_label("Anything the convenor should know (optional)").fill("I will bring the asthma review")
    ui.click("Send my answer")
    expect_done(ui, "Your answer has been recorded: Accepted")
    expect(answer_row).to_contain_text("Accepted: “I will bring the asthma review”")

    # Back home, the action is marked done on the page that asks first ("No" changes nothing).
    ui.click_nav("Home")
    mark = re.compile(rf"^Mark as done ?: {re.escape(GP_ACTION)}, case {reference}$")  # Chromium spaces the hidden text
    follow(ui, mark)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mark this action as done?")
    details = page.locator(".govuk-summary-list")
    for expected in (GP_ACTION, f"Demo GP ({gp.name})", long_date(GP_DUE), reference):
        expect(details).to_contain_text(expected)
    ui.click("No, go back", role="link")
    expect(page.locator("#actions-i-own + table")).to_contain_text(GP_ACTION)
    follow(ui, mark)
    ui.click("Yes, mark it as done")
    expect_done(ui, f"Action marked as done: {GP_ACTION}")
    expect(page.get_by_role("link", name=mark)).to_have_count(0)
    expect(page.locator("#actions-i-own")).to_have_count(0)  # nothing else is the GP's to do
    sign_out(ui)

    # The case's record, as the social worker reads it: the GP's action done, the social worker's still open.
    sign_in(ui, "sw1", DEMO_PASSWORD)
    ui.goto(f"/cases/{case_id}")
    actions = page.locator("#actions + table")
    done_row = actions.locator("tbody tr", has_text=GP_ACTION)
    expect(done_row).to_contain_text(f"Agency: {gp.name}")
    expect(done_row.locator(".govuk-tag")).to_have_text("Done")
    expect(done_row.get_by_role("button")).to_have_count(0)
    expect(actions.locator("tbody tr", has_text=SW_ACTION).locator(".govuk-tag")).to_have_text("Open")
    sign_out(ui)

    session.commit()  # a fresh transaction: it reads what the pages saved
    action = session.scalar(select(CaseAction).where(CaseAction.case_id == case_id, CaseAction.action == GP_ACTION))
    assert action.done_at is not None and action.done_by_id == gp1.id and action.owner_agency_id == gp.id
    invitee = session.scalar(select(Invitee).join(Meeting).where(
        Invitee.user_id == gp1.id, Meeting.case_id == case_id, Meeting.kind == MeetingKind.INITIAL_CIN.value))
    assert (invitee.answer, invitee.answer_comment, invitee.answer_via) == (
        "accepted", "I will bring the asthma review", "signed_in")
