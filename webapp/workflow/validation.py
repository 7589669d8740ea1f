"""Deploy-time checks of diagrams and forms. Each problem names the file, line, element id and name, so that
a process owner can find it; everything that can be checked before running is checked here."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache

from jsonschema import Draft202012Validator, SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from webapp.workflow.bundles import CAMUNDA_FORM_KEY, Bundle, Library
from webapp.workflow.contract import broken_reliances
from webapp.workflow.engine import Parser
from webapp.workflow import expressions
from webapp.workflow.expressions import DOMAIN_FUNCTIONS, is_bare_iso
from webapp.workflow.forms import workflow_fields
from webapp.workflow.wiring import Wiring, wired
from webapp.workflow.xml import NSMAP, UnsafeXml, element_label, local_name, parse_diagram

CAMUNDA = f"{{{NSMAP['camunda']}}}"
# SpiffWorkflow names its own task specs so; an element with one of these ids breaks the process silently.
RESERVED_IDS = frozenset({"Start", "End", "Root"})
RUNTIME_NAMES = frozenset({"subject_type", "subject_id", "True", "False", "None"})
ACTIVITIES = {"task", "userTask", "serviceTask", "manualTask", "callActivity", "subProcess", "sendTask",
              "receiveTask", "scriptTask", "businessRuleTask", "transaction"}
UNSUPPORTED = {
    "scriptTask": "script tasks are not run; use a service task naming a handler",
    "businessRuleTask": "DMN decision tables are not supported; use a gateway with conditions",
    "sendTask": "send tasks are not supported; use a service task naming a handler",
}
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
KNOWN_NAMESPACES = {NSMAP["bpmn"], NSMAP["camunda"], "http://www.omg.org/spec/BPMN/20100524/DI",
                    "http://www.omg.org/spec/DD/20100524/DC", "http://www.omg.org/spec/DD/20100524/DI",
                    "http://www.w3.org/2001/XMLSchema-instance"}
ZEEBE_HINTS = {
    "taskDefinition": "Camunda 8 job workers are not run; set camunda:type=\"external\" and a handler in camunda:topic",
    "formDefinition": "Camunda 8 forms are not read; set camunda:formKey to a form in forms/",
    "assignmentDefinition": "Camunda 8 assignments are not read; put the task in a lane or set camunda:candidateGroups",
    "calledDecision": "DMN decisions are not supported; use a gateway with conditions",
}
CAMUNDA_UNSUPPORTED = {
    "script": "scripts are not run",
    "executionListener": "execution listeners run Java or scripts and are not supported",
    "taskListener": "task listeners run Java or scripts and are not supported",
    "connector": "connectors are not supported; name a handler in camunda:topic",
}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    element_id: str | None
    element_name: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        element = f" {self.element_id}" if self.element_id else ""
        if self.element_name:
            element += f" ({self.element_name})"
        return f"{where}{element}: {self.message}"


@lru_cache(maxsize=1)
def _xsd() -> BpmnValidator:
    return BpmnValidator()


def _problem(file: str, element, message: str) -> Problem:
    element_id, name = element_label(element) if element is not None else (None, None)
    return Problem(file, getattr(element, "sourceline", None), element_id, name, message)


def expression_problems(text: str, known_names: set[str]) -> list[str]:
    """What is wrong with a condition or timer expression, checked without running it."""
    if "${" in text or "#{" in text:
        return ["uses a Camunda ${...} expression; write a plain expression such as decision == 'cin_plan'"]
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        return [f"does not parse: {error.msg}"]
    local = {target.id for node in ast.walk(tree) if isinstance(node, ast.comprehension)
             for target in ast.walk(node.target) if isinstance(target, ast.Name)}
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            problems.append(f"uses the forbidden attribute {node.attr}")
        elif isinstance(node, ast.Name) and node.id.startswith("_"):
            problems.append(f"uses the forbidden name {node.id}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in DOMAIN_FUNCTIONS:
            problems.append(f"calls {node.func.id}(), which is not one of: {', '.join(sorted(DOMAIN_FUNCTIONS))}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setting":
            name = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
            if not isinstance(name, str):
                problems.append("calls setting() without a setting's name in quotes")
            elif name not in expressions.SOURCES.setting_names:
                problems.append(f"names the setting {name!r}, which does not exist")
        elif (isinstance(node, ast.Name) and node.id not in known_names | local | RUNTIME_NAMES
              and node.id not in DOMAIN_FUNCTIONS):
            problems.append(f"uses the unknown name {node.id!r}")
    return list(dict.fromkeys(problems))


class BundleValidator:
    """Checks one bundle against the forms, roles and handlers the runtime knows."""

    def __init__(self, bundle: Bundle, library: Library, wiring: Wiring):
        self.bundle, self.library, self.wiring, self.handlers = bundle, library, wiring, wiring.handlers
        self.problems: list[Problem] = []
        self.task_meta: dict[str, dict] = {}
        self.known_names = self._known_names()

    def _known_names(self) -> set[str]:
        names = {name for schema in self.bundle.forms.values() for name in workflow_fields(schema)}
        names |= {name for handler in self.handlers.values() for name in handler.outputs}
        for text in self.bundle.diagrams.values():
            try:
                root = parse_diagram(text.encode())
            except (UnsafeXml, etree.XMLSyntaxError):
                continue
            for data in root.iterfind(".//bpmn:ioSpecification/*", NSMAP):
                names.update(value for value in (data.get("id"), data.get("name")) if value)
        return names

    def run(self) -> list[Problem]:
        roots = {}
        for file, text in self.bundle.diagrams.items():
            root = self._check_xml(file, text)
            if root is not None:
                roots[file] = root
                self._check_elements(file, root)
        for key, schema in self.bundle.forms.items():
            try:
                Draft202012Validator.check_schema(schema)
            except SchemaError as error:
                self.problems.append(Problem(f"forms/{key}.json", None, None, None,
                                             f"not a valid JSON Schema: {error.message}"))
        self.problems += [Problem(file, None, None, None, reliance.refusal())
                          for file, reliance in broken_reliances(self.bundle, self.wiring.contract)]
        if not self.problems:
            self._check_with_spiff(roots)
        return self.problems

    def _check_xml(self, file: str, text: str):
        try:
            root = parse_diagram(text.encode())
        except UnsafeXml as error:
            self.problems.append(Problem(file, error.line, None, None, str(error)))
            return None
        except etree.XMLSyntaxError as error:
            self.problems.append(Problem(file, error.lineno, None, None, f"not well-formed XML: {error.msg}"))
            return None
        try:
            _xsd().validate(root, file)
        except ValidationException as error:
            self.problems.append(Problem(file, error.line_number or None, None, None,
                                         f"not valid BPMN: {error.message if hasattr(error, 'message') else error}"))
            return None
        return root

    def _check_elements(self, file: str, root) -> None:
        ids = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
        lanes = {ref.text.strip(): lane for lane in root.iterfind(".//bpmn:lane", NSMAP)
                 for ref in lane.iterfind("bpmn:flowNodeRef", NSMAP) if ref.text}
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            tag, namespace = local_name(el), etree.QName(el).namespace
            if namespace == NSMAP["camunda"] and tag in CAMUNDA_UNSUPPORTED:
                self.problems.append(_problem(file, el, CAMUNDA_UNSUPPORTED[tag]))
                continue
            if namespace not in KNOWN_NAMESPACES:
                # Other modelers' extensions (Camunda 8, Signavio, ...): reported on their element, not fatal.
                if local_name(el.getparent()) == "extensionElements":
                    self.problems.append(_problem(file, el, ZEEBE_HINTS.get(tag) if namespace == ZEEBE and tag in ZEEBE_HINTS
                                                  else f"the extension {tag!r} ({namespace}) is not read by this "
                                                       "service; remove it or use the Camunda 7 equivalent"))
                continue
            for attribute, message in (("caseRef", "CMMN cases are not supported"),
                                       ("decisionRef", "DMN decisions are not supported; use a gateway with conditions")):
                if el.get(f"{CAMUNDA}{attribute}"):
                    self.problems.append(_problem(file, el, message))
            if namespace != NSMAP["bpmn"]:
                continue
            if tag in UNSUPPORTED:
                self.problems.append(_problem(file, el, UNSUPPORTED[tag]))
            if el.get("id") in RESERVED_IDS:
                self.problems.append(_problem(file, el, f"the id {el.get('id')!r} is reserved by the engine; "
                                                        "choose another"))
            self._check_references(file, el, tag, ids)
            if tag == "userTask":
                self._check_user_task(file, el, lanes)
            elif tag == "serviceTask":
                self._check_service_task(file, el)
            elif tag == "callActivity":
                self._check_call_activity(file, el)
            elif tag == "conditionExpression":
                self._check_expression(file, el, "condition")
            elif tag in {"timeDate", "timeDuration", "timeCycle"}:
                text = (el.text or "").strip()
                if not text:
                    self.problems.append(_problem(file, el, f"the timer has an empty {tag}"))
                elif not is_bare_iso(text):
                    self._check_expression(file, el, "timer")

    def _check_references(self, file, el, tag, ids) -> None:
        for attribute in ("sourceRef", "targetRef", "default"):
            ref = el.get(attribute)
            if ref is not None and tag in {"sequenceFlow", "exclusiveGateway", "inclusiveGateway", *ACTIVITIES} \
                    and ref not in ids:
                self.problems.append(_problem(file, el, f"{attribute} points at {ref!r}, which is not in the diagram"))
        if tag == "boundaryEvent":
            attached = el.get("attachedToRef")
            target = ids.get(attached)
            if target is None or local_name(target) not in ACTIVITIES:
                # SpiffWorkflow would silently drop this event and everything after it.
                self.problems.append(_problem(file, el, f"is attached to {attached!r}, which is not a task here"))

    def _check_user_task(self, file, el, lanes) -> None:
        bpmn_id = el.get("id")
        form_key = el.get(CAMUNDA_FORM_KEY)
        if not form_key:
            self.problems.append(_problem(file, el, "the user task has no form key (camunda:formKey)"))
        elif form_key not in self.bundle.forms:
            self.problems.append(_problem(file, el, f"the form key {form_key!r} has no form (forms/{form_key}.json)"))
        groups = el.get(f"{CAMUNDA}candidateGroups")
        # candidateGroups may list several roles, comma-separated (Camunda's form): anyone holding one may do it.
        role_texts = [g.strip() for g in groups.split(",")] if groups else \
            [lanes[bpmn_id].get("name")] if bpmn_id in lanes else []
        roles = [self.wiring.role_named(text) for text in role_texts]
        role = roles[0] if roles else None
        if not role_texts:
            self.problems.append(_problem(file, el, "the user task is in no lane and names no candidate group, "
                                                    "so nobody could do it"))
        for text, found in zip(role_texts, roles):
            if found is None:
                self.problems.append(_problem(file, el, f"{text!r} is not a role of this service"))
        # SpiffWorkflow names a task's spec after its process, or its embedded subprocess when inside one.
        process = el.xpath("ancestor::*[self::bpmn:process or self::bpmn:subProcess][1]", namespaces=NSMAP)[0].get("id")
        self.task_meta[f"{process}:{bpmn_id}"] = {"role": role, "form_key": form_key,
                                                  "roles": [r for r in roles if r is not None]}

    def _check_service_task(self, file, el) -> None:
        for attribute in ("class", "expression", "delegateExpression"):
            if el.get(f"{CAMUNDA}{attribute}"):
                self.problems.append(_problem(file, el, f"camunda:{attribute} runs Java and is not supported; "
                                                        "set camunda:type=\"external\" and a handler in camunda:topic"))
        topic = el.get(f"{CAMUNDA}topic")
        if not topic:
            self.problems.append(_problem(file, el, "the service task names no handler (camunda:topic)"))
        elif topic not in self.handlers:
            self.problems.append(_problem(file, el, f"{topic!r} is not a known handler; known: "
                                                    f"{', '.join(sorted(self.handlers))}"))
        else:
            given = {p.get("name"): p.get("value") for p in el.iterfind(".//camunda:property", NSMAP)}
            for name, allowed in self.handlers[topic].properties.items():
                if name not in given:
                    self.problems.append(_problem(file, el, f"the handler {topic!r} needs the property {name!r}"))
                elif allowed is not None and given[name] not in allowed:
                    self.problems.append(_problem(file, el, f"{given[name]!r} is not a {name} {topic!r} knows; "
                                                            f"choose one of {', '.join(sorted(allowed))}"))

    def _check_call_activity(self, file, el) -> None:
        called = el.get("calledElement")
        if not called or called not in self.library.process_files:
            self.problems.append(_problem(file, el, f"calls the process {called!r}, which is not in the workflows"))
            return
        called_root = parse_diagram(self.library.diagrams[self.library.process_files[called]].encode())
        process = called_root.find(f"bpmn:process[@id='{called}']", NSMAP)
        io = process.find("bpmn:ioSpecification", NSMAP) if process is not None else None
        if io is None or io.find("bpmn:dataInput", NSMAP) is None or io.find("bpmn:dataOutput", NSMAP) is None:
            # Without them SpiffWorkflow copies all data in and overwrites the caller's data on the way out.
            self.problems.append(_problem(file, el, f"the called process {called!r} must declare its data inputs "
                                                    "and outputs (bpmn:ioSpecification)"))

    def _check_expression(self, file, el, kind: str) -> None:
        language = (el.get("language") or "").strip()
        if language and language.lower() not in {"python", "spiff"}:
            self.problems.append(_problem(file, el, f"the {kind} is written in {language}, which is not run; "
                                                    "write a plain expression such as decision == 'x'"))
            return
        for message in expression_problems(el.text or "", self.known_names):
            self.problems.append(_problem(file, el, f"the {kind} {(el.text or '').strip()!r} {message}"))

    def _check_with_spiff(self, roots: dict) -> None:
        parser = Parser()
        try:
            for file, root in roots.items():
                parser.add_bpmn_xml(root, filename=file)
            parser.get_spec(self.bundle.root_process_id)
            parser.get_subprocess_specs(self.bundle.root_process_id)
        except ValidationException as error:
            element_id = getattr(error, "id", None)
            file = getattr(error, "file_name", None) or next(iter(roots))
            element = roots.get(file).xpath(f"//*[@id='{element_id}']") if element_id and file in roots else []
            line = element[0].sourceline if element else getattr(error, "line_number", None)
            self.problems.append(Problem(file, line or None, element_id, getattr(error, "name", None),
                                         str(error).split("\n")[0]))


def validate_bundle(bundle: Bundle, library: Library) -> tuple[list[Problem], dict]:
    """The problems of a bundle (empty when it can be deployed) and the role and form of each user task, checked
    against the handlers, roles and diagram contract the app wired in."""
    validator = BundleValidator(bundle, library, wired())
    return validator.run(), validator.task_meta
