"""The statutory returns' page in a real browser, axe-core on each page: a team manager chooses a census year; with
no LA code set the page says what to do; once it is set, the census downloads as the DfE's XML."""
import xml.etree.ElementTree as ET

from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.steps import sign_in
from webapp.audit.services import NO_ORIGIN
from webapp.auth.models import User
from webapp.config import PROJECT_ROOT
from webapp.demo import DEMO_PASSWORD, seed_demo, seed_demo_cases
from webapp.partnership.services import change_settings
from webapp.workflow.versions import deploy_directory


def test_a_team_manager_downloads_the_census(ui, committed_db, tmp_path):
    deploy_directory(PROJECT_ROOT / "workflows")
    seed_demo(committed_db)
    seed_demo_cases(committed_db)
    committed_db.commit()
    page = ui.page
    sign_in(ui, "tm1", DEMO_PASSWORD)
    ui.click_nav("Returns")
    expect(page.get_by_role("heading", name="Children in Need census")).to_be_visible()
    ui.click("Download the census (XML)")
    expect(page.locator(".govuk-error-summary")).to_contain_text("set the council's LA code on the Settings page")

    change_settings(committed_db.scalar(select(User).where(User.username == "admin")), {"la_code": "815"},
                    origin=NO_ORIGIN)
    committed_db.commit()
    ui.goto("/returns/")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the census (XML)").click()
    saved = tmp_path / "census.xml"
    download.value.save_as(saved)
    assert ET.parse(saved).getroot().findtext("Header/Source/LEA") == "815"
