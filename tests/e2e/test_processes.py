"""A process owner changes section17 in the browser (its files as text), sees validation pass and the changes,
and deploys version 2."""
import json

from playwright.sync_api import expect

from tests.e2e.steps import sign_in
from tests.processes.test_processes import SCREENING, with_screening_step
from webapp.demo import DEMO_PASSWORD
from webapp.workflow.versions import current_version


def test_po1_deploys_a_changed_section17(ui, partnership_committed):
    page = ui.page
    version = current_version("section17")
    sign_in(ui, "po1", DEMO_PASSWORD)
    ui.click("Processes", role="link")
    ui.click("Section 17 child in need", role="link")
    page.get_by_label("Diagram section17.bpmn").fill(with_screening_step(version.diagrams)["section17.bpmn"])
    page.get_by_label("New form: its key").fill("referral_screening")
    page.get_by_label("New form: its JSON Schema").fill(json.dumps(SCREENING))
    ui.click("Save the draft and validate")
    expect(page.get_by_text("The draft passes the runtime's validation.")).to_be_visible()
    expect(page.get_by_text("Screen the referral (userTask)")).to_be_visible()
    ui.click("Deploy as a new version")
    expect(page.get_by_text("new cases start on it; running ones stay on theirs")).to_be_visible()
    partnership_committed.rollback()  # see the deploy the server committed
    assert current_version("section17").id != version.id
