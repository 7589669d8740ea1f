"""A process owner changes section17 in the browser: the diagram drawn by bpmn-js with its properties panel, a
validation problem highlighted on the diagram, a new step with a new form and a changed gateway condition,
validation passing with the changes listed, version 2 deployed, a case running on version 1 moved onto it, and
the case page drawing where the case is."""
import json

from playwright.sync_api import expect
from sqlalchemy import select

from tests.cases.builders import complete, open_case, referral_answers
from tests.e2e.steps import sign_in, sign_out
from tests.processes.test_processes import SCREENING, with_screening_step
from webapp.auth.models import User
from webapp.demo import DEMO_PASSWORD
from webapp.workflow.models import OpenTask, WorkflowInstance
from webapp.workflow.versions import current_version


def steps(session, case) -> set[str]:
    session.rollback()  # see what the server committed
    return {t.bpmn_id for t in session.scalars(select(OpenTask).where(OpenTask.subject_id == case.id))}


def test_po1_deploys_version_2_and_moves_a_running_case(ui, partnership_committed):
    session, page = partnership_committed, ui.page
    sw1, tm1 = (session.scalar(select(User).where(User.username == name)) for name in ("sw1", "tm1"))
    running = open_case(sw1, referral_answers())
    session.commit()
    version = current_version("section17")

    sign_in(ui, "po1", DEMO_PASSWORD)
    ui.click("Processes", role="link")
    ui.click("Section 17 child in need", role="link")
    editor = page.locator("#diagram-editor")
    expect(editor.locator("[data-element-id=referral_decision]")).to_have_count(1, timeout=15000)
    editor.locator("[data-element-id=referral_decision]").first.click(force=True)
    expect(page.locator(".app-properties")).to_contain_text("Decide on the referral")  # the properties panel
    editor.locator("[data-element-id=notify_agencies_outcome]").first.click(force=True)
    handler = page.locator(".app-properties select[name=handler]")
    expect(handler).to_have_value("notify_agencies")  # service tasks choose from the registered handlers
    assert "alert_minutes_late: Tells the chair the minutes are not issued in time" in handler.inner_text()

    broken = version.diagrams["section17.bpmn"].replace('camunda:formKey="referral_decision"',
                                                        'camunda:formKey="referral_choice"')
    page.get_by_label("Diagram section17.bpmn").fill(broken)
    ui.click("Save the draft and validate")
    expect(page.get_by_text("the form key 'referral_choice' has no form")).to_be_visible()
    expect(editor.locator("[data-element-id=referral_decision].app-problem")).to_have_count(1, timeout=15000)

    page.get_by_label("Diagram section17.bpmn").fill(with_screening_step(version.diagrams)["section17.bpmn"])
    page.get_by_label("New form: its key").fill("referral_screening")
    page.get_by_label("New form: its JSON Schema").fill(json.dumps(SCREENING))
    preview = page.get_by_role("region", name="Preview of new_form")
    expect(preview).to_contain_text("Screened against the threshold document")  # the live preview
    ui.check_page()
    ui.click("Save the draft and validate")
    expect(page.get_by_text("The draft passes the runtime's validation.")).to_be_visible()
    changes = page.locator("dl.govuk-summary-list")
    expect(changes).to_contain_text("Screen the referral (userTask)")
    expect(changes).to_contain_text("Child in need plan (sequenceFlow)")  # the changed gateway condition
    expect(changes).to_contain_text("referral_screening")
    ui.click("Deploy as a new version")
    expect(page.get_by_text("new cases start on it; running ones stay on theirs")).to_be_visible()
    session.rollback()
    deployed = current_version("section17")
    assert deployed.id != version.id

    fresh = open_case(sw1, referral_answers(given="Nia", family="Democase"))
    session.commit()
    assert steps(session, fresh) == {"screen_referral"}  # a new referral runs on version 2
    assert steps(session, running) == {"referral_decision"}  # the running case stays on version 1

    ui.click("Section 17 child in need", role="link")
    row = page.get_by_role("row").filter(has_text=f"Case {running.reference}")
    expect(row).to_contain_text("Decide on the referral")
    expect(row).to_contain_text("Yes")
    page.get_by_label(f"Move Case {running.reference}").check()
    ui.click(f"Move the chosen cases to version {deployed.id}")
    expect(page.get_by_text("1 case(s) moved")).to_be_visible()
    session.rollback()
    assert session.get(WorkflowInstance, running.workflow_instance_id).version_id == deployed.id
    complete(tm1, running, "referral_decision", {"decision": "section17_assessment", "allocated_worker_id": sw1.id,
                                                 "decision_reasons": "x", "referrer_acknowledged": False})
    session.commit()
    assert "assessment" in steps(session, running)  # it continues on version 2
    sign_out(ui)

    sign_in(ui, "tm1", DEMO_PASSWORD)
    ui.goto(f"/cases/{running.id}")
    diagram = page.locator("#case-diagram")
    expect(diagram.locator("[data-element-id=assessment].app-current")).to_have_count(1, timeout=15000)
    expect(diagram.locator("[data-element-id=referral_decision].app-done")).to_have_count(1)
