"""A process owner changes section17 in the browser: the diagram drawn by bpmn-js with its properties panel, a
validation problem highlighted on the diagram, a new step with a new form and a changed gateway condition,
validation passing with the changes listed, version 2 deployed, a case running on version 1 moved onto it, and
the case page drawing where the case is."""
import json
import re

from playwright.sync_api import expect
from sqlalchemy import select

from tests.cases.builders import complete, open_case, referral_answers
from tests.conftest import PROJECT_ROOT
from tests.e2e.steps import sign_in, sign_out
from tests.processes.test_processes import SCREENING, with_screening_step
from webapp.auth.models import User
from webapp.demo import DEMO_PASSWORD
from webapp.workflow.models import OpenTask, WorkflowInstance
from webapp.workflow.versions import current_version


def find_step(page, element_id: str) -> None:
    """Select a step in the editor by its id, as a process owner does with Ctrl+F (the search pad)."""
    page.locator("#diagram-editor .djs-container > svg").first.focus()
    page.keyboard.press("Control+f")
    search = page.locator("#diagram-editor .djs-search-input input")
    search.fill("")  # it keeps the last search
    search.press_sequentially(element_id)
    expect(page.locator(f"#diagram-editor .djs-search-result[data-result-id='{element_id}']")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#diagram-editor .djs-search-open")).to_have_count(0)


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
    ui.click("Edit Section 17 child in need", role="link")
    editor = page.locator("#diagram-editor")
    expect(editor.locator("[data-element-id=referral_decision]")).to_have_count(1, timeout=15000)
    editor.locator("[data-element-id=referral_decision]").first.click(force=True)
    expect(page.locator(".app-properties")).to_contain_text("Decide on the referral")  # the properties panel
    find_step(page, "notify_agencies_outcome")
    handler = page.locator(".app-properties select[name=handler]")
    expect(handler).to_have_value("notify_agencies")  # service tasks choose from the registered handlers
    assert "alert_minutes_late: Tells the chair the minutes are not issued in time" in handler.inner_text()

    broken = version.diagrams["section17.bpmn"].replace('camunda:formKey="referral_decision"',
                                                        'camunda:formKey="referral_choice"')
    page.get_by_text("section17.bpmn as text").click()
    page.get_by_label("Diagram section17.bpmn").fill(broken)
    ui.click("Save the draft and validate")
    expect(page.get_by_text("the form key 'referral_choice' has no form")).to_be_visible()
    expect(editor.locator("[data-element-id=referral_decision].app-problem")).to_have_count(1, timeout=15000)

    page.get_by_text("section17.bpmn as text").click()
    page.get_by_label("Diagram section17.bpmn").fill(with_screening_step(version.diagrams)["section17.bpmn"])
    page.get_by_text("Add a form").click()
    page.get_by_label("New form: its key").fill("referral_screening")
    page.get_by_label("New form: its JSON Schema").fill(json.dumps(SCREENING))
    preview = page.get_by_role("region", name="Preview of the new form")
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

    ui.click("Edit Section 17 child in need", role="link")
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
    page.get_by_text("Show where the case is in its process").click()
    diagram = page.locator("#case-diagram")
    expect(diagram.locator("[data-element-id=assessment].app-current")).to_have_count(1, timeout=15000)
    expect(diagram.locator("[data-element-id=referral_decision].app-done")).to_have_count(1)


# Every refusal the CSP makes, as the page sees it (the console gets them too, as errors).
WATCH_CSP = """window.cspRefusals = [];
document.addEventListener("securitypolicyviolation",
  (event) => window.cspRefusals.push(`${event.effectiveDirective} in ${event.sourceFile}:${event.lineNumber}`));"""


def open_group(page, title: str) -> None:
    header = page.locator(".app-properties .bio-properties-panel-group-header").filter(
        has=page.get_by_text(title, exact=True))
    if "open" not in header.get_attribute("class").split():
        header.click()


def panel_groups(page) -> list[str]:
    return page.locator(".app-properties .bio-properties-panel-group-header-title").all_inner_texts()


def test_the_editor_is_a_tool_a_process_owner_can_work_in(ui, partnership_committed):
    """A wide canvas at a readable zoom on a page of sensible length, a properties panel offering only what the
    runtime reads (and writing it into the diagram's text), forms previewed in their own order, and no CSP
    refusal or script error on the way."""
    page = ui.page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.add_init_script(WATCH_CSP)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(ui, "po1", DEMO_PASSWORD)
    ui.goto("/processes/section17")
    editor = page.locator("#diagram-editor")
    expect(page.locator(".app-editor-status")).to_have_text("Showing section17.bpmn.", timeout=15000)

    height = page.evaluate("document.body.scrollHeight")
    print(f"editor page: {height} px long at 1280 x 800 (it was 25,546 px)")
    assert height < 4000
    canvas, panel = editor.locator(".app-canvas").bounding_box(), editor.locator(".app-properties").bounding_box()
    assert canvas["width"] > 0.6 * 1280 and 400 <= canvas["height"] <= 900, canvas
    assert panel["x"] >= canvas["x"] + canvas["width"] and panel["y"] == canvas["y"], panel  # beside it
    task = editor.locator(".djs-shape[data-element-id=referral_decision]").bounding_box()
    assert task["width"] >= 95, task  # drawn at bpmn-js's own size (100 px), not shrunk to fit the whole process

    assert panel_groups(page) == ["General", "Documentation"]  # the process itself: no history cleanup, ...
    assert "Version tag" not in editor.locator(".app-properties").inner_text()
    expected = {
        "referral_decision": ["General", "Form", "Who does it (else the lane's role: Team manager)", "Documentation"],
        "notify_agencies_outcome": ["General", "Handler", "Handler settings", "Documentation"],
        "to_cin_plan": ["General", "Condition", "Documentation"],
        "referral_decision_due": ["General", "Timer", "Documentation"],
        "day_20_meeting": ["General", "Process it runs", "Documentation"],
    }
    for element_id, groups in expected.items():
        find_step(page, element_id)
        assert panel_groups(page) == groups, element_id
        if element_id == "to_cin_plan":
            open_group(page, "Condition")
            expect(page.locator(".app-properties input[name=condition]")).to_have_value("outcome == 'cin_plan'")

    find_step(page, "referral_decision")
    open_group(page, "Form")
    expect(page.locator(".app-properties select[name=formKey]")).to_have_value("referral_decision")
    open_group(page, "Who does it (else the lane's role: Team manager)")
    page.locator(".app-properties").get_by_label("Social worker").check()
    text = page.get_by_label("Diagram section17.bpmn").input_value()
    assert re.search(r'<bpmn:userTask id="referral_decision"[^>]*camunda:candidateGroups="social_worker"', text)

    page.locator("#diagram-editor .djs-container > svg").first.focus()
    page.keyboard.press("Control+a")  # several steps: the align and distribute icons carry style attributes
    editor.locator(".djs-context-pad .entry[data-action=align-elements]").click()
    expect(page.locator(".djs-popup")).to_be_visible()
    page.keyboard.press("Escape")

    page.get_by_text("cin_plan", exact=True).click()
    preview = page.get_by_role("region", name="Preview of cin_plan")
    schema = json.loads((PROJECT_ROOT / "workflows" / "forms" / "cin_plan.json").read_text())
    titles = [question["title"] for question in schema["properties"].values()][:4]
    expect(preview).to_contain_text(titles[-1])
    shown = preview.inner_text()
    order = [shown.find(title) for title in titles]
    assert -1 not in order and order == sorted(order), shown  # the form's own order, not alphabetical

    ui.check_page()
    assert page.evaluate("window.cspRefusals") == [] and problems == []
