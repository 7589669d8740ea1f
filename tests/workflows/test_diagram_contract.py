"""The diagram contract: a version that removes or renames a diagram id, form key, message or task-data name the
code relies on is refused, naming the module that relies on it: in the browser editor, with
`flask workflows deploy` and with `flask workflows validate`. Nothing is stored."""
import json
import shutil

import pytest
from sqlalchemy import func, select

from tests.helpers import post_form, sign_in
from webapp.config import PROJECT_ROOT
from webapp.demo import DEMO_PASSWORD
from webapp.wiring import DIAGRAM_CONTRACT
from webapp.workflow.bundles import read_library
from webapp.workflow.contract import broken_reliances
from webapp.workflow.models import WorkflowVersion
from webapp.workflow.versions import current_version

WORKFLOWS = PROJECT_ROOT / "workflows"


def renamed(text: str, old: str, new: str) -> str:
    """A diagram whose element `old` is now `new`, everywhere the diagram refers to it."""
    for pattern in ('id="{}"', 'targetRef="{}"', 'sourceRef="{}"', 'attachedToRef="{}"',
                    "<bpmn:flowNodeRef>{}</bpmn:flowNodeRef>"):
        text = text.replace(pattern.format(old), pattern.format(new))
    return text


def without_referral_step(text: str) -> str:
    return renamed(text, "record_referral", "take_referral")


def with_plan_form_renamed(diagrams: dict, forms: dict) -> tuple[dict, dict]:
    diagrams = {**diagrams, "section17.bpmn": diagrams["section17.bpmn"].replace(
        'camunda:formKey="cin_plan"', 'camunda:formKey="child_plan"')}
    forms = {("child_plan" if key == "cin_plan" else key): schema for key, schema in forms.items()}
    return diagrams, forms


def problems_of(diagrams: dict, forms: dict, process_id: str = "section17") -> list[str]:
    from webapp.workflow.bundles import Library

    library = Library(diagrams, forms)
    return [reliance.refusal() for _, reliance in broken_reliances(library.bundle(process_id), DIAGRAM_CONTRACT)]


def test_the_shipped_diagrams_meet_the_contract(app):
    library = read_library(WORKFLOWS)
    assert {process for process in library.process_files} >= {reliance.process_id for reliance in DIAGRAM_CONTRACT}
    for process_id in library.root_processes():
        assert broken_reliances(library.bundle(process_id), DIAGRAM_CONTRACT) == []


@pytest.mark.parametrize("change, module, what", [
    (lambda d, f: ({**d, "section17.bpmn": without_referral_step(d["section17.bpmn"])}, f),
     "webapp.cases.referrals", "the element 'record_referral'"),
    (with_plan_form_renamed, "webapp.plans.services", "the form key 'cin_plan'"),
    (lambda d, f: ({**d, "multi_agency_meeting.bpmn": d["multi_agency_meeting.bpmn"].replace(
        'name="meeting_cancelled"', 'name="meeting_called_off"')}, f),
     "webapp.meetings.services", "the message 'meeting_cancelled'"),
    (lambda d, f: ({**d, "section17.bpmn": d["section17.bpmn"].replace("referral_received_on", "received_on")}, f),
     "webapp.cases.referrals", "the task-data name 'referral_received_on'"),
    (lambda d, f: ({**d, "section17.bpmn": d["section17.bpmn"].replace(
        'calledElement="multi_agency_meeting"', 'calledElement="meeting"')}, f),
     "webapp.meetings.services", "the process 'multi_agency_meeting'"),
])
def test_each_kind_of_reliance_broken_is_named_with_its_module(app, change, module, what):
    library = read_library(WORKFLOWS)
    diagrams, forms = change(library.diagrams, library.forms)
    problems = problems_of(diagrams, forms)
    assert any(problem.startswith(what) and f": {module} relies on it" in problem for problem in problems), problems


def test_the_plan_form_renamed_names_every_module_relying_on_it(app):
    library = read_library(WORKFLOWS)
    problems = problems_of(*with_plan_form_renamed(library.diagrams, library.forms))
    named = {problem.split(": ")[1].split(" relies")[0] for problem in problems}
    assert named == {"webapp.plans.services", "webapp.safer_sleep.services"}


def test_the_editor_refuses_to_deploy_a_version_without_the_referral_step(app, partnership, client):
    before = current_version("section17")
    sign_in(client, "po1", DEMO_PASSWORD)
    saved = post_form(client, "/processes/section17", {
        "action": "save",
        **{f"diagram:{name}": (without_referral_step(text) if name == "section17.bpmn" else text)
           for name, text in before.diagrams.items()},
        **{f"form:{key}": json.dumps(schema) for key, schema in before.forms.items()}})
    assert saved.status_code == 302
    page = client.get("/processes/section17")
    assert "the element &#39;record_referral&#39; is missing from process &#39;section17&#39;" in page.text
    assert "webapp.cases.referrals relies on it" in page.text
    refused = post_form(client, "/processes/section17", {"action": "deploy"})
    assert refused.status_code == 400 and "Nothing was deployed" in refused.text
    assert "webapp.cases.referrals relies on it" in refused.text
    assert current_version("section17").id == before.id
    assert partnership.scalar(select(func.count(WorkflowVersion.id)).where(
        WorkflowVersion.process_id == "section17")) == 1


def test_the_editor_refuses_a_renamed_form_key_the_code_relies_on(app, partnership, client):
    before = current_version("section17")
    diagrams, forms = with_plan_form_renamed(before.diagrams, before.forms)
    sign_in(client, "po1", DEMO_PASSWORD)
    post_form(client, "/processes/section17", {
        "action": "save", **{f"diagram:{name}": text for name, text in diagrams.items()},
        **{f"form:{key}": json.dumps(schema) for key, schema in forms.items()}})
    refused = post_form(client, "/processes/section17", {"action": "deploy"})
    assert refused.status_code == 400
    assert "the form key &#39;cin_plan&#39; is missing" in refused.text
    assert current_version("section17").id == before.id


def copy_of_workflows(tmp_path, change):
    shutil.copytree(WORKFLOWS, tmp_path / "workflows")
    diagram = tmp_path / "workflows" / "section17.bpmn"
    diagram.write_text(change(diagram.read_text()))
    return tmp_path / "workflows"


def test_flask_workflows_deploy_refuses_a_version_without_the_referral_step(app, committed_db, tmp_path):
    folder = copy_of_workflows(tmp_path, without_referral_step)
    result = app.test_cli_runner().invoke(args=["workflows", "deploy", "--directory", str(folder)])
    assert result.exit_code == 1
    assert ("section17.bpmn: the element 'record_referral' is missing from process 'section17': "
            "webapp.cases.referrals relies on it") in result.output
    assert "webapp.cases.flags relies on it" in result.output  # every module that relies on it is named
    assert "Nothing deployed" in result.output
    committed_db.commit()
    assert committed_db.scalar(select(func.count(WorkflowVersion.id))) == 0


def test_flask_workflows_deploy_refuses_a_renamed_form_key(app, committed_db, tmp_path):
    folder = copy_of_workflows(tmp_path, lambda text: text.replace('camunda:formKey="cin_plan"',
                                                                   'camunda:formKey="child_plan"'))
    (folder / "forms" / "cin_plan.json").rename(folder / "forms" / "child_plan.json")
    result = app.test_cli_runner().invoke(args=["workflows", "deploy", "--directory", str(folder)])
    assert result.exit_code == 1
    assert "the form key 'cin_plan' is missing from process 'section17': webapp.plans.services" in result.output
    committed_db.commit()
    assert committed_db.scalar(select(func.count(WorkflowVersion.id))) == 0


def test_flask_workflows_validate_names_the_module_too(app, tmp_path):
    folder = copy_of_workflows(tmp_path, without_referral_step)
    result = app.test_cli_runner().invoke(args=["workflows", "validate", str(folder / "section17.bpmn")])
    assert result.exit_code == 1 and "webapp.cases.referrals relies on it" in result.output


def test_flask_workflows_contract_lists_what_the_code_relies_on(app):
    output = app.test_cli_runner().invoke(args=["workflows", "contract"]).output.splitlines()
    assert len(output) == len(DIAGRAM_CONTRACT)
    assert ("section17  the element 'record_referral'  webapp.cases.referrals "
            "(a new case opens on it, filled from the referral page)") in output
