"""From a held review meeting to issued minutes in a real browser: written by the social worker, approved by the
chair, the PDF read back with pypdf, a correction making version 2 while version 1 stays readable, the actions
on the case page and in the next review's agenda."""
import io
import re
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from tests.cases.builders import (
    convene, open_case, record_attendance, referral_answers, start_meeting_now, take_to_first_review,
)
from tests.e2e.steps import (
    approve_minutes, complete_step, convene_meeting, days_ahead, expect_done, fill, open_my_task, sign_in, sign_out,
)
from tests.minutes.builders import FAMILY
from webapp.agencies.models import Agency, AgencyKind
from webapp.auth.models import User
from webapp.columns import long_date
from webapp.demo import DEMO_PASSWORD
from webapp.mail.models import OutboxMessage
from webapp.worker import render_documents

VISIT_BY = days_ahead(14)
REVIEW_ON = days_ahead(35)  # within six weeks of the meeting held today: no reason asked


def pdf_text(ui, link_name: str) -> tuple[str, int]:
    """The text of the PDF behind a link on the page (fetched with the browser's own session), and its pages."""
    href = ui.page.get_by_role("link", name=link_name).get_attribute("href")
    response = ui.page.request.get(ui.base_url + href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages)), len(reader.pages)


def test_minutes_from_a_held_meeting_to_issued_corrected_and_carried_forward(ui, partnership_committed):
    session, page = partnership_committed, ui.page
    gp = session.scalar(select(Agency).where(Agency.kind == AgencyKind.GP_PRACTICE.value))
    sw1, tm1 = (session.scalar(select(User).where(User.username == name)) for name in ("sw1", "tm1"))
    case = open_case(sw1, referral_answers(gp_id=gp.id, household_members=FAMILY))
    take_to_first_review(case, sw1, tm1, "2026-11-02")
    meeting = convene(sw1, case, "convene_meeting", datetime.now(timezone.utc) + timedelta(hours=1))
    start_meeting_now(meeting)
    record_attendance(sw1, case, meeting)
    session.commit()
    render_documents(limit=100)  # the plan's and the earlier meetings' PDFs
    reference = case.reference

    sign_in(ui, "sw1", DEMO_PASSWORD)
    open_my_task(ui, reference, "Write the minutes")
    expect(page.get_by_label("Pat Demochild (mother)")).to_be_checked()  # parents are on the list by default
    ui.click("Add another action")
    fill(ui, {"minute_taker": "Demo Business Support", "child_views": "Ava is happier at school",
              "family_views": "Pat finds the mornings easier", "strengths": "Good school attendance",
              "worries": "Some late nights remain", "progress-0-progress": "Achieved most weeks",
              "decisions": "Continue the plan for six more weeks", "dissent": "None",
              "actions-0-action": "Sleep routine visit", "actions-0-owner": "Demo Health Visitor",
              "actions-0-due_on": VISIT_BY, "actions-1-action": "School attendance check",
              "actions-1-owner": "Demo Class Teacher", "actions-1-due_on": days_ahead(21),
              "contingency": "Strategy discussion if a new injury is seen", "visiting_frequency": "fortnightly",
              "next_review_on": REVIEW_ON})
    ui.click("Save as draft")
    expect(page.get_by_text("Draft saved", exact=True)).to_be_visible()
    ui.click("Send to the chair for approval")
    expect_done(ui, "Minutes sent to the chair for approval")
    sign_out(ui)

    sign_in(ui, "tm1", DEMO_PASSWORD)
    approve_minutes(ui, reference)  # the chair goes on to their next step, if any: the minutes are on their page
    ui.goto(f"/meetings/{meeting.id}/minutes")
    expect(page.get_by_role("status")).to_contain_text("The PDF is being prepared")
    assert render_documents(limit=100) == (1, False)  # what the worker does next
    page.reload()
    ui.check_page()
    text, pages = pdf_text(ui, "Download the minutes, version 1 (PDF")
    for expected in ("Child in need review meeting: minutes", "The child's views", "Ava is happier at school",
                     "Worries and risks", "Progress against each outcome", "Achieved most weeks", "Decisions",
                     "Attendance", "Demo GP", "Attended", "Sleep routine visit", "School attendance check",
                     long_date(VISIT_BY), "Contingency plan", long_date(REVIEW_ON), "Pat Demochild",
                     f"Page 1 of {pages}", "OFFICIAL-SENSITIVE", f"Case {reference}"):
        assert expected in text, expected

    page.get_by_label("Why do the minutes need correcting?").fill("The next review date was wrong")
    ui.click("Start a correction")
    expect(page.get_by_text("Reason for the correction: The next review date was wrong")).to_be_visible()
    later = (datetime.now(timezone.utc).date() + timedelta(weeks=7)).isoformat()
    fill(ui, {"next_review_on": later})  # later than six weeks from today's meeting: a reason is asked
    ui.click("Send the correction for approval")
    expect(page.locator("#next_review_reason-error")).to_contain_text("Say why the next review is later than")
    fill(ui, {"next_review_reason": "The family is away until mid-January"})
    ui.click("Send the correction for approval")
    ui.click("Approve or send back the correction", role="link")
    page.get_by_label("Approve and issue the minutes").check()
    ui.click("Confirm")
    expect(page.get_by_role("heading", name="Version 2: issued")).to_be_visible()
    expect(page.get_by_role("heading", name="Version 1: replaced by a correction")).to_be_visible()
    assert render_documents(limit=100) == (1, False)
    page.reload()
    ui.check_page()
    corrected, _ = pdf_text(ui, "Download the minutes, version 2 (PDF")
    original, _ = pdf_text(ui, "Download the minutes, version 1 (PDF")
    later_text = long_date(later)
    assert later_text in corrected and "The next review date was wrong" in corrected
    assert long_date(REVIEW_ON) in original and later_text not in original  # version 1 is unchanged

    ui.goto(f"/cases/{case.id}")
    actions = page.locator("#actions + table")
    expect(actions).to_contain_text("Sleep routine visit")
    expect(actions).to_contain_text("School attendance check")
    sign_out(ui)

    sign_in(ui, "sw1", DEMO_PASSWORD)
    complete_step(ui, reference, "Record the review's decision", {"progress": "Good progress",
                                                                  "review_decision": "continue"})
    convene_meeting(ui, reference, "Convene the meeting", days_ahead(42), "16:00", "Harrogate Civic Centre")
    agenda = page.locator("h3", has_text="Actions from earlier meetings still open").locator("+ ul")
    expect(agenda).to_contain_text(f"Sleep routine visit: Demo Health Visitor, by {long_date(VISIT_BY)}")
    expect(agenda).to_contain_text("School attendance check")
    sign_out(ui)

    sign_in(ui, "gp1", DEMO_PASSWORD)  # the GP practice was invited: its practitioner reads the minutes
    ui.click("Meetings", role="link")
    page.locator(f"a[href='/meetings/{meeting.id}/minutes']").click()
    ui.check_page()
    expect(page.get_by_role("heading", name="Version 2: issued")).to_be_visible()
    sign_out(ui)

    session.expire_all()
    mother = session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "pat@example.org",
                                                         OutboxMessage.kind == "minutes_issued")
                             .order_by(OutboxMessage.id.desc())).first()
    ui.goto(re.search(r"\{service_url\}(/minutes/\S+)", mother.body_text).group(1))  # her personal link
    expect(page.get_by_role("link", name="Download the minutes (PDF), corrected version 2")).to_be_visible()
