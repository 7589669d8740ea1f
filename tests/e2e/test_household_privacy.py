"""Another team's household in a real browser: the match names the team and whom to contact, never its child
(and the match page and the linked case page pass axe-core)."""
from playwright.sync_api import expect
from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers, start_assessment
from tests.e2e.steps import fill, sign_in
from tests.factories import PASSWORD, Factory
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.config import PROJECT_ROOT
from webapp.demo import seed_demo
from webapp.workflow.versions import deploy_directory


def test_a_referral_links_to_another_teams_household_knowing_only_whom_to_ask(ui, committed_db):
    deploy_directory(PROJECT_ROOT / "workflows")
    seed_demo(committed_db)
    sw2, tm1 = (committed_db.scalar(select(User).where(User.username == name)) for name in ("sw2", "tm1"))
    mia = open_case(sw2, referral_answers("Mia", "Sampleton", "HG2 7ZZ", address="7 Elm Row, Harrogate"))
    start_assessment(mia, sw2, tm1)
    team_b = Factory(committed_db).team("Scarborough CIN team")
    Factory(committed_db).user(Role.SOCIAL_WORKER, username="sw_b", team=team_b, full_name="Bea Worker")
    committed_db.commit()
    page = ui.page

    sign_in(ui, "sw_b", PASSWORD)
    ui.click("New referral", role="link")
    fill(ui, {
        "child_given_names": "Leo", "child_family_name": "Sampleton", "child_date_of_birth": "2021-06-01",
        "address": "Flat 2, 7 Elm Row", "postcode": "hg2 7zz", "referrer_name": "Demo Teacher",
        "referrer_contact": "01234 567890", "concern_what": "Often hungry at school", "parental_substance_use": "no",
        "domestic_abuse": "no", "parental_conflict": "no", "parental_mental_health": "no", "child_safe_now": True,
        "immediate_protection_needed": False, "parents_aware": True, "parents_consent": True,
    })
    ui.click("Record the referral")
    expect(page.get_by_role("heading", level=1)).to_contain_text("part of a household we know?")
    match = page.get_by_label("Link to a household at HG2 7ZZ known to Harrogate CIN team")
    expect(page.locator("main")).to_contain_text("contact Demo Social Worker Two (allocated social worker")
    expect(page.locator("main")).not_to_contain_text("Mia")
    match.check()
    ui.click("Record the referral")
    expect(page.get_by_role("heading", level=1)).to_have_text("Leo Sampleton")
    expect(page.locator("main")).to_contain_text("A child whose case another team holds")
    expect(page.locator("main")).not_to_contain_text("Mia")
