"""The diagrams in workflows/ carry no layout: the editor and the case page lay them out in the browser. Every
sequence flow must be drawn as an arrow, and the steps spread over several columns (not one column, no arrows)."""
import re

from lxml import etree
from playwright.sync_api import expect
from sqlalchemy import select

from tests.cases.builders import open_case, referral_answers
from tests.conftest import PROJECT_ROOT
from tests.e2e.steps import sign_in
from webapp.auth.models import User
from webapp.demo import DEMO_PASSWORD

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"

# The drawn arrows, and the horizontal centres of the drawn steps (shape ids given) that are in the visible plane.
DRAWN = """([canvas, ids]) => {
  const root = document.querySelector(canvas);
  const centres = ids.map((id) => root.querySelector(`.djs-shape[data-element-id="${CSS.escape(id)}"]`))
    .filter((shape) => shape && shape.getBoundingClientRect().width > 0)
    .map((shape) => { const box = shape.getBoundingClientRect(); return Math.round(box.x + box.width / 2); });
  return { arrows: root.querySelectorAll(".djs-connection").length, columns: new Set(centres).size,
           shapes: centres.length };
}"""


def flows_and_steps(xml: str) -> tuple[int, list[str]]:
    """The root plane's sequence flows (sub-processes are drawn on planes of their own) and the ids of the steps
    they join, less boundary events (drawn on their hosts' edges, off the grid's columns)."""
    tree = etree.fromstring(xml.encode())
    flows = [flow for process in tree.iter(f"{BPMN}process") for flow in process.findall(f"{BPMN}sequenceFlow")]
    boundary = {event.get("id") for event in tree.iter(f"{BPMN}boundaryEvent")}
    return len(flows), sorted({flow.get(end) for flow in flows for end in ("sourceRef", "targetRef")} - boundary)


def assert_laid_out(ui, canvas: str, xml: str, what: str) -> None:
    flows, steps = flows_and_steps(xml)
    root = ui.page.locator(canvas)
    expect(root.locator(".djs-connection")).to_have_count(flows, timeout=15000)
    drawn = ui.page.evaluate(DRAWN, [canvas, steps])
    assert drawn["arrows"] == flows, f"{what}: {drawn}"
    assert drawn["shapes"] == len(steps) and drawn["columns"] > 1, f"{what} is not laid out: {drawn}"


def test_the_editor_draws_every_diagram_with_its_arrows(ui, partnership_committed):
    page, seen = ui.page, set()
    sign_in(ui, "po1", DEMO_PASSWORD)
    ui.click("Processes", role="link")
    processes = page.get_by_role("link", name=re.compile(r"^Edit ")).all_inner_texts()
    assert processes
    for process in processes:
        ui.click("Processes", role="link")
        ui.click(process, role="link")
        choice = page.locator("#diagram-file")
        for name in choice.locator("option").all_inner_texts():
            choice.select_option(name)
            expect(page.locator(".app-editor-status")).to_have_text(f"Showing {name}.", timeout=15000)
            assert_laid_out(ui, "#diagram-editor .app-canvas", page.get_by_label(f"Diagram {name}").input_value(),
                            f"{process}: {name}")
            seen.add(name)
        ui.check_page()
    assert seen == {path.name for path in (PROJECT_ROOT / "workflows").glob("*.bpmn")}


def test_the_case_page_draws_section17_with_its_arrows(ui, partnership_committed):
    session = partnership_committed
    case = open_case(session.scalar(select(User).where(User.username == "sw1")), referral_answers())
    session.commit()
    sign_in(ui, "tm1", DEMO_PASSWORD)
    ui.goto(f"/cases/{case.id}")
    ui.page.get_by_text("Show where the case is in its process").click()
    expect(ui.page.locator("#case-diagram [data-element-id=referral_decision].app-current")).to_have_count(
        1, timeout=15000)
    assert_laid_out(ui, "#case-diagram", (PROJECT_ROOT / "workflows" / "section17.bpmn").read_text(),
                    "section17 on the case page")
    ui.check_page()


def test_the_case_diagram_is_collapsed_drawn_when_opened_and_throws_nothing(ui, partnership_committed):
    """Collapsed under plain words; nothing fetched or drawn until it is opened (a hidden canvas has no size,
    and fitting one threw an SVGMatrix error on every load); opened, it shows the steps done and the current one."""
    session, page = partnership_committed, ui.page
    case = open_case(session.scalar(select(User).where(User.username == "sw1")), referral_answers())
    session.commit()
    problems, fetched = [], []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: fetched.append(request.url) if "/diagram.json" in request.url else None)
    sign_in(ui, "tm1", DEMO_PASSWORD)
    ui.goto(f"/cases/{case.id}")
    diagram = page.locator("#case-diagram")
    summary = page.get_by_text("Show where the case is in its process", exact=True)
    expect(summary).to_be_visible()
    expect(diagram).not_to_have_attribute("open", "")
    assert fetched == [] and diagram.locator(".djs-container").count() == 0

    summary.click()
    expect(diagram.locator("[data-element-id=referral_decision].app-current")).to_have_count(1, timeout=15000)
    expect(diagram.locator("[data-element-id=record_referral].app-done")).to_have_count(1)
    assert len(fetched) == 1
    shape = diagram.locator(".djs-shape[data-element-id=referral_decision]").bounding_box()
    canvas = diagram.locator(".app-canvas").bounding_box()
    assert shape["width"] >= 95 and canvas["x"] <= shape["x"] <= canvas["x"] + canvas["width"] - shape["width"]
    page.get_by_role("button", name="Fit the whole diagram").click()
    assert diagram.locator(".djs-shape[data-element-id=referral_decision]").bounding_box()["width"] < shape["width"]
    ui.check_page()
    summary.click()  # closed and opened again: drawn once, still no error
    summary.click()
    ui.check_page()
    assert problems == [] and len(fetched) == 1
