"""SpiffWorkflow wiring: the Camunda-flavoured parser with handler service tasks, and a serializer that keeps
the spec out of each instance's state (the spec is stored once per deployed version)."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers import DefaultRegistry, TaskSpecConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_VERSION
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG

from webapp.workflow.expressions import script_engine

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"


class HandlerServiceTask(ServiceTask):
    """A service task that runs one named handler from the runtime's table (`camunda:topic`), with the
    task's `camunda:properties` as its settings."""

    def __init__(self, wf_spec, bpmn_id, handler=None, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.handler = handler

    def _execute(self, task):
        task.workflow.script_engine.call_service(task, handler=self.handler, step=self.bpmn_id,
                                                 properties=dict(getattr(self, "extensions", {}) or {}))
        return True


class HandlerServiceTaskParser(CamundaTaskParser):
    def create_task(self):
        handler = self.node.get(f"{{{CAMUNDA_NS}}}topic")
        return HandlerServiceTask(self.spec, self.bpmn_id, handler=handler, **self.bpmn_attributes)


class HandlerServiceTaskConverter(TaskSpecConverter):
    def to_dict(self, spec):
        dct = self.get_default_attributes(spec)
        dct["handler"] = spec.handler
        return dct

    def from_dict(self, dct):
        return self.task_spec_from_dict(dct)


class Parser(CamundaParser):
    """Camunda flavour: bpmn-js with camunda-bpmn-moddle edits the same attributes in the browser."""

    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (HandlerServiceTaskParser, HandlerServiceTask),
    }


class InstanceStateConverter(BpmnWorkflowConverter):
    """Leaves the specs out of an instance's state; they are supplied from the version on load."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        if spec is None:  # a full serialization with its specs (an older format being migrated)
            return super().from_dict(dct)
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _registry() -> DefaultRegistry:
    registry = DefaultRegistry()
    # Dates and decimals are not JSON types; without these the serializer raises on them.
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]))
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    return registry


def _serializer() -> BpmnWorkflowSerializer:
    config = dict(CAMUNDA_CONFIG)
    config[HandlerServiceTask] = HandlerServiceTaskConverter
    config[BpmnWorkflow] = InstanceStateConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config, _registry()))


SERIALIZER = _serializer()


def dump_specs(spec, subprocess_specs) -> str:
    """The specs of a version as JSON, with the serializer version they were written with."""
    return json.dumps({
        "serializer_version": SERIALIZER_VERSION,
        "spec": SERIALIZER.to_dict(spec),
        "subprocess_specs": {name: SERIALIZER.to_dict(sub) for name, sub in subprocess_specs.items()},
    })


def load_specs(specs_json: str) -> tuple:
    """Spec objects from a version's stored specs."""
    dct = json.loads(specs_json)
    return (SERIALIZER.from_dict(dct["spec"]),
            {name: SERIALIZER.from_dict(sub) for name, sub in dct["subprocess_specs"].items()})


def dump_state(workflow: BpmnWorkflow) -> str:
    """An instance's state without its specs."""
    return json.dumps(SERIALIZER.to_dict(workflow), separators=(",", ":"))


def load_state(state_json: str, serializer_version: str, specs: tuple, specs_json) -> BpmnWorkflow:
    """Rebuild a workflow from its state and its version's spec objects; a state written by an older
    serializer is migrated first, with the stored specs (`specs_json()`) it needs."""
    dct = json.loads(state_json)
    if serializer_version != SERIALIZER_VERSION:
        stored = json.loads(specs_json())
        full = {**dct, "spec": stored["spec"], "subprocess_specs": stored["subprocess_specs"],
                SERIALIZER.VERSION_KEY: serializer_version}
        SERIALIZER.migrate(full)
        return _restricted(SERIALIZER.from_dict(full))
    spec, subprocess_specs = specs
    return _restricted(SERIALIZER.registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs))


def _restricted(workflow: BpmnWorkflow) -> BpmnWorkflow:
    # SpiffWorkflow's default script engine is plain eval: never let a workflow exist with it, even for a moment.
    workflow.script_engine = script_engine()
    return workflow


def new_workflow(specs: tuple) -> BpmnWorkflow:
    """A new workflow of a version's specs, with the restricted expression engine."""
    spec, subprocess_specs = specs
    return _restricted(BpmnWorkflow(spec, subprocess_specs))
