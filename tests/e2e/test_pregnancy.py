"""A midwife notifies a pregnancy of a family children's social care knows; the midwife learns nothing of it; a
social worker links the unborn baby to the household; health visiting, silent, is chased then escalated. In a real
browser, with axe-core on every page."""
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers, start_assessment
from tests.e2e.steps import fill, sign_in, sign_out
from webapp.auth.models import User
from webapp.config import PROJECT_ROOT
from webapp.demo import DEMO_PASSWORD, seed_demo
from webapp.mail.models import OutboxMessage
from webapp.worker import fire_due_timers
from webapp.workflow.versions import deploy_directory


def test_midwife_notifies_social_worker_links_and_silent_health_visiting_is_chased_then_escalated(
        ui, committed_db, clock):
    deploy_directory(PROJECT_ROOT / "workflows")
    seed_demo(committed_db)
    sw1, tm1 = (committed_db.scalar(select(User).where(User.username == name)) for name in ("sw1", "tm1"))
    case = open_case(sw1, referral_answers("Leo", "Demochild"))  # Leo lives with his mother, Pat Demochild
    start_assessment(case, sw1, tm1)
    committed_db.commit()
    page = ui.page

    # Monday 2 March 2026: mw1 notifies a pregnancy due 8 June (28 weeks on 16 March)
    sign_in(ui, "mw1", DEMO_PASSWORD)
    ui.click("Pregnancy notifications", role="link")
    ui.click("Notify a pregnancy")
    fill(ui, {"mother_name": "Pat Demochild", "address": "1 Demo Street, Harrogate", "postcode": "hg1 1aa",
              "expected_delivery_on": "2026-06-08", "booked_on": "2026-02-27", "gestation_at_booking_weeks": "26",
              "health_visiting_agency_id": "Demo Health Visiting Service", "consent_to_share": True})
    page.get_by_label("Domestic abuse").check()
    ui.click("Send the notification")
    expect(page.get_by_text("sent to Demo Health Visiting Service")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Pat Demochild")
    expect(row).to_contain_text("15 March 2026")
    expect(row).to_contain_text("Awaiting acknowledgement")
    expect(page.get_by_text(case.reference)).to_have_count(0)
    ui.click("PN-000001: Pat Demochild", role="link")
    expect(page.get_by_text("Domestic abuse")).to_be_visible()
    expect(page.get_by_text(case.reference)).to_have_count(0)
    ui.goto(f"/cases/{case.id}")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    sign_out(ui)

    # sw1 confirms the household: the unborn baby joins Leo's household, and sw1 (allocated) is told
    sign_in(ui, "sw1", DEMO_PASSWORD)
    ui.click("Pregnancy notifications", role="link")
    expect(page.get_by_role("row").filter(has_text="PN-000001")).to_contain_text(case.reference)
    ui.click("PN-000001: Pat Demochild", role="link")
    ui.click("Record the decision")  # nothing chosen: a clear error, nothing linked
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the household")
    page.get_by_label("Link the unborn baby to the household at 1 Demo Street, Harrogate").check()
    ui.click("Record the decision")
    expect(page.get_by_text("The unborn baby is now linked to the household")).to_be_visible()
    ui.goto(f"/cases/{case.id}")
    expect(page.get_by_text("Unborn baby Demochild, expected 8 June 2026")).to_be_visible()
    sign_out(ui)
    committed_db.commit()
    assert committed_db.scalar(select(OutboxMessage.to_address).where(OutboxMessage.kind == "pregnancy_linked")) \
        == "sw1@example.org"

    # hv1 has the acknowledgement task, due before 28 weeks; it is left undone
    sign_in(ui, "hv1", DEMO_PASSWORD)
    ui.click("Pregnancy notifications", role="link")
    expect(page.get_by_role("row").filter(has_text="Pat Demochild")).to_contain_text("15 March 2026")
    ui.click("PN-000001: Pat Demochild", role="link")
    expect(page.get_by_role("button", name="Acknowledge the notification")).to_be_visible()
    expect(page.get_by_text(case.reference)).to_have_count(0)
    sign_out(ui)

    clock.shift(timedelta(days=14))  # Monday 16 March: the deadline (Sunday 15) has passed
    fire_due_timers()
    sign_in(ui, "hv1", DEMO_PASSWORD)
    ui.click("Pregnancy notifications", role="link")
    expect(page.get_by_role("row").filter(has_text="Pat Demochild")).to_contain_text("Chased")
    sign_out(ui)

    clock.shift(timedelta(days=2))  # Wednesday 18 March: two more working days, still nothing
    fire_due_timers()
    sign_in(ui, "mw1", DEMO_PASSWORD)
    ui.click("Pregnancy notifications", role="link")
    expect(page.get_by_role("row").filter(has_text="Pat Demochild")).to_contain_text(
        "Escalated to the safeguarding lead")
    sign_out(ui)
    committed_db.commit()
    subjects = committed_db.scalars(select(OutboxMessage.subject).where(
        OutboxMessage.to_address.in_(["hv1@example.org", "mw1@example.org"]))).all()
    assert "Reminder: pregnancy notification not acknowledged: PN-000001" in subjects
    assert "Pregnancy notification unacknowledged: PN-000001" in subjects
    assert not any("Demochild" in subject for subject in subjects)
