"""The process pages as a tool: the Processes list gives every version of each process (deployed when, by whom,
how many instances run and finished on it); the editor page shows each form in its own order, keeps what was typed
when a save is refused, and allows exactly the inline style attributes its library writes, by hash."""
import base64
import hashlib
import json
import re

from lxml import html

from tests.cases.builders import open_case, referral_answers
from tests.conftest import PROJECT_ROOT
from tests.helpers import post_form, sign_in
from tests.processes.test_processes import SCREENING, forms_text, user, with_screening_step
from webapp.audit.services import NO_ORIGIN
from webapp.demo import DEMO_PASSWORD
from webapp.processes import services
from webapp.processes.editor import EDITOR_STYLE_ATTRIBUTES
from webapp.workflow.models import WorkflowInstance
from webapp.workflow.versions import current_version

BUILT_EDITOR = PROJECT_ROOT / "webapp" / "static" / "dist" / "editor.js"


def style_hash(style: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() + "'"


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in policy.split("; ")}


def test_the_processes_list_gives_every_version_with_who_deployed_it_and_its_cases(app, partnership, client, clock):
    session = partnership
    po1, sw1 = user(session, "po1"), user(session, "sw1")
    first = current_version("section17")
    on_first = open_case(sw1, referral_answers())
    done = open_case(sw1, referral_answers(given="Ola", family="Democase"))
    session.get(WorkflowInstance, done.workflow_instance_id).is_completed = True
    services.save_draft(po1, "section17", with_screening_step(first.diagrams),
                        forms_text({**first.forms, "referral_screening": SCREENING}), origin=NO_ORIGIN,
                        now=on_first.opened_at)
    second = services.deploy(po1, "section17", origin=NO_ORIGIN)
    open_case(sw1, referral_answers(given="Nia", family="Democase"))
    session.flush()

    rows = {row.process_id: row for row in services.processes(po1)}
    assert [(v.version.id, v.deployed_by, v.running, v.finished) for v in rows["section17"].versions] == [
        (second.id, "Demo Process Owner", 1, 0), (first.id, "The workflows folder", 1, 1)]

    sign_in(client, "po1", DEMO_PASSWORD)
    page = html.fromstring(client.get("/processes/").text)
    table = page.xpath("//table[caption[contains(., 'Versions of Section 17 child in need')]]")[0]
    cells = [[" ".join(cell.text_content().split()) for cell in row.xpath("th|td")] for row in table.xpath(".//tbody/tr")]
    assert [row[0] for row in cells] == [f"Version {second.id} Runs new cases", f"Version {first.id}"]
    assert [row[2:] for row in cells] == [["Demo Process Owner", "1", "0"], ["The workflows folder", "1", "1"]]
    assert page.xpath("//a[normalize-space()='Edit Section 17 child in need']/@href") == ["/processes/section17"]


def test_each_form_is_shown_in_its_own_order_and_previewed_so(app, partnership, client):
    sign_in(client, "po1", DEMO_PASSWORD)
    page = html.fromstring(client.get("/processes/section17").text)
    on_disk = json.loads((PROJECT_ROOT / "workflows" / "forms" / "referral_decision.json").read_text())
    shown = page.xpath("//textarea[@name='form:referral_decision']")[0].text_content()
    assert list(json.loads(shown)["properties"]) == list(on_disk["properties"])  # not alphabetical
    assert list(json.loads(shown)) == list(on_disk)

    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/processes/section17").text).group(1)
    preview = client.post("/processes/section17/form-preview",
                          data={"schema": shown, "key": "referral_decision", "csrf_token": token})
    labels = [" ".join(text.split()) for text in html.fromstring(preview.text).xpath(
        "//label[contains(@class, 'govuk-label')][not(contains(@class, 'govuk-radios__label'))]"
        "[not(contains(@class, 'govuk-checkboxes__label'))]/text()|//legend/text()") if text.strip()]
    titles = [prop.get("title") for prop in on_disk["properties"].values()]
    assert [label.removesuffix(" (optional)") for label in labels][:3] == titles[:3]
    assert 'id="preview-referral_decision-decision' in preview.text  # ids per form: previews share the page


def test_a_refused_save_shows_what_was_typed(app, partnership, client):
    version = current_version("section17")
    sign_in(client, "po1", DEMO_PASSWORD)
    typed = '{"title": "Decide on the referral", "type": "object", "properties": {'  # cut short
    refused = post_form(client, "/processes/section17", {
        "action": "save", **{f"diagram:{name}": text for name, text in version.diagrams.items()},
        **forms_text_fields({**forms_text(version.forms), "referral_decision": typed})})
    assert refused.status_code == 400 and "forms/referral_decision.json is not valid JSON" in refused.text
    page = html.fromstring(refused.text)
    assert page.xpath("//textarea[@name='form:referral_decision']")[0].text_content() == typed
    assert len(page.xpath("//details[@open][.//textarea[@name='form:referral_decision']]")) == 1  # opened to it
    assert len(page.xpath("//details[@open]")) == 1


def forms_text_fields(forms: dict[str, str]) -> dict[str, str]:
    return {f"form:{key}": text for key, text in forms.items()}


def test_the_editor_page_allows_its_librarys_style_attributes_by_hash_and_no_other_page_does(app, partnership, client):
    sign_in(client, "po1", DEMO_PASSWORD)
    editor = directives(client.get("/processes/section17"))
    assert editor["style-src"] == "'self'" and "unsafe-inline" not in " ".join(editor.values())
    assert editor["style-src-attr"] == "'unsafe-hashes' " + " ".join(style_hash(s) for s in EDITOR_STYLE_ATTRIBUTES)
    assert style_hash("height: 100%") == "'sha256-nR5hyLltSjfvi2rqC26RbcredWrJvTaPA1yqPX96jpY='"  # Chrome's figure
    assert "style-src-attr" not in directives(client.get("/processes/"))


def test_the_built_editor_writes_no_style_attribute_the_page_does_not_allow():
    """A bpmn-js upgrade that writes a new style attribute fails here, not in a process owner's console."""
    assert BUILT_EDITOR.exists(), "run `make assets` first"
    written = set(re.findall(r'style=\\?"([^"$\\]*)\\?"', BUILT_EDITOR.read_text()))
    assert written == set(EDITOR_STYLE_ATTRIBUTES)


def test_the_panel_choices_are_the_runtimes(app, partnership, client):
    sign_in(client, "po1", DEMO_PASSWORD)
    page = html.fromstring(client.get("/processes/section17").text)
    choices = json.loads(page.xpath("//section[@id='diagram-editor']/@data-choices")[0])
    assert "notify_agencies" in {h["name"] for h in choices["handlers"]}
    assert {"value": "team_manager", "label": "Team manager"} in choices["roles"]
    assert {"referral_decision", "cin_plan"} <= set(choices["forms"])
    assert {p["id"] for p in choices["processes"]} >= {"section17", "multi_agency_meeting"}
