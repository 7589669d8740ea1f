"""The diagrams in workflows/ carry no layout (the editor and the case page lay them out) or a complete one:
bpmn-js draws only elements that have a shape, so a partial layout would hide the rest of a process."""
from pathlib import Path

import pytest
from lxml import etree

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI = "http://www.omg.org/spec/BPMN/20100524/DI"
NOT_DRAWN = {"ioSpecification", "dataInput", "dataOutput", "inputSet", "outputSet", "laneSet", "lane",
             "documentation", "extensionElements", "conditionExpression", "timerEventDefinition",
             "messageEventDefinition", "incoming", "outgoing"}


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.bpmn")), ids=lambda path: path.name)
def test_a_diagram_has_no_layout_or_a_shape_for_every_element(path):
    root = etree.parse(str(path)).getroot()
    drawn = {el.get("bpmnElement") for el in root.iter(f"{{{DI}}}BPMNShape", f"{{{DI}}}BPMNEdge")}
    if not drawn:
        return  # laid out when shown
    elements = {el.get("id") for process in root.iter(f"{{{BPMN}}}process") for el in process
                if isinstance(el.tag, str) and etree.QName(el).localname not in NOT_DRAWN}
    assert elements - drawn == set()


def test_section17_ends_a_serious_incident_closure_with_the_debrief():
    """Both closing routes meet at the debrief request, and the debrief is the team manager's."""
    root = etree.parse(str(WORKFLOWS / "section17.bpmn")).getroot()
    flows = {(el.get("sourceRef"), el.get("targetRef")) for el in root.iter(f"{{{BPMN}}}sequenceFlow")}
    assert {("close_after_assessment", "assessment_closure_route"), ("assessment_closure_route", "request_debrief"),
            ("close_case", "review_closure_route"), ("review_closure_route", "request_debrief"),
            ("request_debrief", "debrief"), ("debrief", "debrief_held")} <= flows
    debrief = root.find(f".//{{{BPMN}}}userTask[@id='debrief']")
    assert debrief.get("{http://camunda.org/schema/1.0/bpmn}candidateGroups") == "team_manager"
