"""Each problem deploy-time validation finds is named with its file, line, element id and name, and
`flask workflows validate` prints the same problems and exits non-zero."""
import json

import pytest

from webapp.workflow.bundles import read_library
from webapp.workflow.versions import DeployRefused, check_library, deploy_directory, library_problems

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  id="defs" targetNamespace="http://example.org/t">
"""
PROCESS = """  <bpmn:process id="checked" name="Checked" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="lane" name="Social worker">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>step</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="step" name="Do the step" camunda:formKey="answer"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="step"/>
    {extra}
    <bpmn:sequenceFlow id="f2" sourceRef="step" targetRef="end"/>
  </bpmn:process>
"""
FORM = {"type": "object", "properties": {"decision": {"type": "string", "title": "Decision"}}}


def write(tmp_path, body: str, name="checked.bpmn", forms=None):
    (tmp_path / "forms").mkdir(exist_ok=True)
    for key, schema in (forms or {"answer": FORM}).items():
        (tmp_path / "forms" / f"{key}.json").write_text(json.dumps(schema))
    path = tmp_path / name
    path.write_text(body)
    return path


def diagram(extra="", process=PROCESS, head=HEAD):
    return head + process.replace("{extra}", extra) + "</bpmn:definitions>\n"


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def problems_of(tmp_path):
    """What deploy would report for the folder."""
    library = read_library(tmp_path)
    return library_problems(library) + [p for _, found, _ in check_library(library).values() for p in found]


def assert_problem(tmp_path, text, element_id, needle, message):
    found = problems_of(tmp_path)
    match = [p for p in found if p.element_id == element_id and message in p.message]
    assert match, f"expected {message!r} on {element_id}, got {[str(p) for p in found]}"
    assert match[0].line == line_of(text, needle)
    assert match[0].file == "checked.bpmn"
    return match[0]


GATEWAY = """<bpmn:exclusiveGateway id="gate" name="Which way?" default="f_default"/>
    <bpmn:sequenceFlow id="f_default" sourceRef="gate" targetRef="end"/>
    <bpmn:sequenceFlow id="f_cond" name="Conditional" sourceRef="gate" targetRef="end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>"""
TIMER = """<bpmn:boundaryEvent id="late" name="Too late" attachedToRef="step">
      <bpmn:timerEventDefinition id="late_timer"><bpmn:timeDate xsi:type="bpmn:tFormalExpression">{value}</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f_late" sourceRef="late" targetRef="end"/>"""


def test_a_valid_diagram_has_no_problems(tmp_path):
    write(tmp_path, diagram(GATEWAY.format(condition="decision == 'cin_plan'")
                            + TIMER.format(value="working_days_after(today(), 20)")))
    assert problems_of(tmp_path) == []


def test_malformed_xml_names_the_line(tmp_path):
    text = diagram('<bpmn:task id="broken">')
    write(tmp_path, text)
    problem, = problems_of(tmp_path)
    assert "not well-formed XML" in problem.message and problem.line is not None


def test_schema_error_names_the_line(tmp_path):
    text = diagram('<bpmn:wizardTask id="odd"/>')
    write(tmp_path, text)
    problem, = problems_of(tmp_path)
    assert "not valid BPMN" in problem.message and problem.line == line_of(text, "wizardTask")


@pytest.mark.parametrize("declaration", ['<!DOCTYPE bpmn [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
                                         '<!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'])
def test_doctype_and_entities_are_refused(tmp_path, declaration):
    text = diagram().replace("<bpmn:definitions", declaration + "\n<bpmn:definitions", 1)
    write(tmp_path, text)
    with pytest.raises(DeployRefused) as refused:
        deploy_directory(tmp_path)
    problem, = refused.value.problems
    assert "DOCTYPE and ENTITY declarations are not allowed" in problem.message and problem.line == 2


def test_flow_to_a_missing_element(tmp_path):
    text = diagram('<bpmn:sequenceFlow id="lost" name="Lost" sourceRef="step" targetRef="nowhere"/>')
    write(tmp_path, text)
    problem = assert_problem(tmp_path, text, "lost", 'id="lost"', "targetRef points at 'nowhere'")
    assert problem.element_name == "Lost"


def test_boundary_event_on_a_missing_task_is_not_silently_dropped(tmp_path):
    text = diagram(TIMER.format(value="P1D").replace('attachedToRef="step"', 'attachedToRef="gone"'))
    write(tmp_path, text)
    problem = assert_problem(tmp_path, text, "late", 'id="late"', "attached to 'gone'")
    assert problem.element_name == "Too late"


def test_condition_that_does_not_parse(tmp_path):
    text = diagram(GATEWAY.format(condition="decision === 'x'"))
    write(tmp_path, text)
    assert_problem(tmp_path, text, "f_cond", "decision ===", "does not parse")


def test_condition_with_an_unknown_name(tmp_path):
    text = diagram(GATEWAY.format(condition="decison == 'x'"))
    write(tmp_path, text)
    assert_problem(tmp_path, text, "f_cond", "decison ==", "unknown name 'decison'")


def test_timer_that_does_not_parse_or_uses_unknown_names(tmp_path):
    text = diagram(TIMER.format(value="10 days"))
    write(tmp_path, text)
    assert_problem(tmp_path, text, "late", "10 days", "the timer '10 days' does not parse")
    text = diagram(TIMER.format(value="working_days_after(referal_on, 1)"))
    write(tmp_path, text)
    assert_problem(tmp_path, text, "late", "referal_on", "unknown name 'referal_on'")


def test_camunda_expressions_are_explained(tmp_path):
    text = diagram(GATEWAY.format(condition="${decision == 'x'}"))
    write(tmp_path, text)
    assert_problem(tmp_path, text, "f_cond", "${decision", "Camunda ${...} expression")


def test_unknown_form_key(tmp_path):
    text = diagram().replace('camunda:formKey="answer"', 'camunda:formKey="missing_form"')
    write(tmp_path, text)
    assert_problem(tmp_path, text, "step", 'id="step"', "'missing_form' has no form")


def test_unknown_role(tmp_path):
    text = diagram().replace('name="Social worker"', 'name="Wizard"')
    write(tmp_path, text)
    assert_problem(tmp_path, text, "step", 'id="step"', "'Wizard' is not a role")


def test_unknown_handler(tmp_path):
    text = diagram('<bpmn:serviceTask id="send" name="Send" camunda:type="external" camunda:topic="launch_rockets"/>')
    write(tmp_path, text)
    assert_problem(tmp_path, text, "send", 'id="send"', "'launch_rockets' is not a known handler")


def test_java_service_tasks_are_refused(tmp_path):
    text = diagram('<bpmn:serviceTask id="java" name="Java" camunda:class="org.example.Delegate"/>')
    write(tmp_path, text)
    assert_problem(tmp_path, text, "java", 'id="java"', "camunda:class runs Java")


def test_reserved_ids_are_refused(tmp_path):
    text = diagram('<bpmn:task id="End" name="Wrap up"/>')
    write(tmp_path, text)
    assert_problem(tmp_path, text, "End", 'id="End"', "reserved by the engine")


def test_call_activity_needs_a_process_declaring_inputs_and_outputs(tmp_path):
    called = HEAD + """  <bpmn:process id="helper" isExecutable="true">
    <bpmn:startEvent id="h_start"/><bpmn:endEvent id="h_end"/>
    <bpmn:sequenceFlow id="h1" sourceRef="h_start" targetRef="h_end"/>
  </bpmn:process>
</bpmn:definitions>
"""
    write(tmp_path, called, name="helper.bpmn")
    text = diagram('<bpmn:callActivity id="call" name="Call helper" calledElement="helper"/>')
    write(tmp_path, text)
    assert_problem(tmp_path, text, "call", 'id="call"', "must declare its data inputs and outputs")
    text = diagram('<bpmn:callActivity id="call" name="Call nobody" calledElement="nobody"/>')
    write(tmp_path, text)
    assert_problem(tmp_path, text, "call", 'id="call"', "calls the process 'nobody'")


def test_invalid_form_schema(tmp_path):
    write(tmp_path, diagram(), forms={"answer": {"type": "object", "properties": {"x": {"type": "wizard"}}}})
    problem, = problems_of(tmp_path)
    assert problem.file == "forms/answer.json" and "not a valid JSON Schema" in problem.message


def test_validate_command_prints_problems_and_exits_non_zero(app, tmp_path):
    text = diagram(GATEWAY.format(condition="decison == 'x'"))
    path = write(tmp_path, text)
    result = app.test_cli_runner().invoke(args=["workflows", "validate", str(path)])
    assert result.exit_code == 1
    assert f"checked.bpmn:{line_of(text, 'decison')} f_cond (Conditional): the condition" in result.output
    good = write(tmp_path, diagram(), name="good.bpmn")
    (tmp_path / "checked.bpmn").unlink()
    result = app.test_cli_runner().invoke(args=["workflows", "validate", str(good)])
    assert result.exit_code == 0 and "no problems found" in result.output


ZEEBE_HEAD = HEAD.replace('id="defs"', 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" '
                                       'xmlns:signavio="http://www.signavio.com" id="defs"')


@pytest.mark.parametrize("extra, element_id, needle, message", [
    ('<bpmn:serviceTask id="job" name="Job"><bpmn:extensionElements><zeebe:taskDefinition type="send"/>'
     '</bpmn:extensionElements></bpmn:serviceTask>', "job", "<zeebe:taskDefinition",
     "Camunda 8 job workers are not run"),
    ('<bpmn:userTask id="c8form" name="Form" camunda:formKey="answer"><bpmn:extensionElements>'
     '<zeebe:formDefinition formKey="x"/></bpmn:extensionElements></bpmn:userTask>', "c8form",
     "<zeebe:formDefinition", "Camunda 8 forms are not read"),
    ('<bpmn:task id="meta" name="Meta"><bpmn:extensionElements><signavio:signavioMetaData metaKey="bgcolor"/>'
     '</bpmn:extensionElements></bpmn:task>', "meta", "<signavio:signavioMetaData",
     "the extension 'signavioMetaData' (http://www.signavio.com) is not read"),
    ('<bpmn:callActivity id="cmmn" name="Case" camunda:caseRef="a_case"/>', "cmmn", 'id="cmmn"',
     "CMMN cases are not supported"),
    ('<bpmn:businessRuleTask id="dmn" name="Decide" camunda:decisionRef="rules"/>', "dmn", 'id="dmn"',
     "DMN decisions are not supported"),
])
def test_other_modelers_constructs_are_reported_on_their_element(tmp_path, extra, element_id, needle, message):
    text = diagram(extra, head=ZEEBE_HEAD)
    write(tmp_path, text)
    assert_problem(tmp_path, text, element_id, needle, message)


def test_a_condition_in_another_script_language_is_explained(tmp_path):
    text = diagram(GATEWAY.format(condition="decision == 'x'").replace(
        'xsi:type="bpmn:tFormalExpression"', 'xsi:type="bpmn:tFormalExpression" language="groovy"'))
    write(tmp_path, text)
    assert_problem(tmp_path, text, "f_cond", "language=", "written in groovy, which is not run")
