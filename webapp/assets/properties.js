// What the editor's properties panel offers: only what this service's runtime reads from a diagram (see
// webapp/workflow/validation.py and engine.py), so that nothing set here is silently ignored. The Camunda
// provider's groups for Camunda's own engine (execution and task listeners, job execution, asynchronous
// continuations, history cleanup, candidate starters, input/output mappings, version tags, ...) are dropped.
// Kept: name, id and documentation; timers, messages and errors; a user task's form (camunda:formKey) and
// roles (camunda:candidateGroups, else the lane's name); a service task's handler (camunda:type="external" and
// camunda:topic) with its settings (camunda:properties); a call activity's process; a gateway flow's condition.
// The choices come from the page: the runtime's handlers and roles, the bundle's forms and processes.
import { CheckboxEntry, SelectEntry, TextFieldEntry, isCheckboxEntryEdited, isSelectEntryEdited,
  isTextFieldEntryEdited } from "@bpmn-io/properties-panel";
import { h } from "@bpmn-io/properties-panel/preact";
import { useService } from "bpmn-js-properties-panel";
import { is, isAny } from "bpmn-js/lib/util/ModelUtil";

const KEPT_GROUPS = new Set(["general", "documentation", "timer", "message", "error"]);
const DROPPED_ENTRIES = new Set(["versionTag", "errorMessage", "errorCodeVariable", "errorMessageVariable"]);
const HANDLER_SETTINGS = "CamundaPlatform__ExtensionProperties";
const GATEWAYS = ["bpmn:ExclusiveGateway", "bpmn:InclusiveGateway"];

// A select writing one attribute; a value the diagram has but the choices lack stays shown, marked.
function attributeSelect({ id, label, attribute, description, choices, empty }) {
  return function AttributeSelect({ element }) {
    const modeling = useService("modeling");
    const current = element.businessObject.get(attribute) || "";
    const options = [{ value: "", label: empty }, ...choices()];
    if (current && !options.some((option) => option.value === current)) {
      options.push({ value: current, label: `${current} (not in this process's files)` });
    }
    return h(SelectEntry, {
      element, id, label, description,
      getValue: () => element.businessObject.get(attribute) || "",
      setValue: (value) => modeling.updateProperties(element, { [attribute]: value || undefined }),
      getOptions: () => options,
    });
  };
}

function roleCheckbox(role) {
  return function RoleCheckbox({ element, id }) {
    const modeling = useService("modeling");
    const chosen = () => (element.businessObject.get("camunda:candidateGroups") || "")
      .split(",").map((text) => text.trim()).filter(Boolean);
    return h(CheckboxEntry, {
      element, id, label: role.label,
      getValue: () => chosen().includes(role.value),
      setValue: (checked) => {
        const roles = chosen().filter((value) => value !== role.value).concat(checked ? [role.value] : []);
        modeling.updateProperties(element, { "camunda:candidateGroups": roles.join(",") || undefined });
      },
    });
  };
}

function ConditionEntry({ element, id }) {
  const commandStack = useService("commandStack");
  const bpmnFactory = useService("bpmnFactory");
  const debounce = useService("debounceInput");
  return h(TextFieldEntry, {
    element, id, debounce, label: "Condition",
    description: "An expression over the answers, such as decision == 'cin_plan'. Leave it empty on the default flow.",
    getValue: () => element.businessObject.conditionExpression?.get("body") || "",
    setValue: (value) => {
      let expression;
      if (value) {
        expression = bpmnFactory.create("bpmn:FormalExpression", { body: value });
        expression.$parent = element.businessObject;
      }
      commandStack.execute("element.updateProperties", { element, properties: { conditionExpression: expression } });
    },
  });
}

function laneName(element) {
  const lane = (element.businessObject.get("lanes") || [])[0];
  return lane && lane.name;
}

export function runtimePropertiesModule(choices, newFormKey) {
  const FormEntry = attributeSelect({
    id: "formKey", label: "Form", attribute: "camunda:formKey", empty: "Choose a form",
    description: "The form in forms/ that this step asks people to fill in.",
    choices: () => [...new Set([...choices.forms, newFormKey()].filter(Boolean))].sort()
      .map((key) => ({ value: key, label: key })),
  });
  const HandlerEntry = function HandlerEntry({ element }) {
    const modeling = useService("modeling");
    return h(SelectEntry, {
      element, id: "handler", label: "Handler",
      getValue: () => element.businessObject.get("camunda:topic") || "",
      setValue: (value) => modeling.updateProperties(element, { "camunda:type": "external", "camunda:topic": value || undefined }),
      getOptions: () => [{ value: "", label: "Choose a handler" },
        ...choices.handlers.map((handler) => ({ value: handler.name, label: `${handler.name}: ${handler.description}` }))],
    });
  };
  const ProcessEntry = attributeSelect({
    id: "calledElement", label: "Process it runs", attribute: "calledElement", empty: "Choose a process",
    description: "A process in this process's files; it must declare its data inputs and outputs.",
    choices: () => choices.processes.map((process) => ({ value: process.id, label: `${process.name} (${process.id})` })),
  });

  function ownGroups(element) {
    const groups = [];
    if (is(element, "bpmn:UserTask")) {
      groups.push({ id: "form", label: "Form", entries: [{ id: "formKey", component: FormEntry, isEdited: isSelectEntryEdited }] });
      const lane = laneName(element);
      groups.push({
        id: "roles", label: lane ? `Who does it (else the lane's role: ${lane})` : "Who does it",
        entries: choices.roles.map((role) => ({ id: `role-${role.value}`, component: roleCheckbox(role), isEdited: isCheckboxEntryEdited })),
      });
    }
    if (is(element, "bpmn:ServiceTask")) {
      groups.push({ id: "handler", label: "Handler", entries: [{ id: "handler", component: HandlerEntry, isEdited: isSelectEntryEdited }] });
    }
    if (is(element, "bpmn:CallActivity")) {
      groups.push({ id: "calledProcess", label: "Process it runs", entries: [{ id: "calledElement", component: ProcessEntry, isEdited: isSelectEntryEdited }] });
    }
    if (is(element, "bpmn:SequenceFlow") && element.source && isAny(element.source, GATEWAYS)) {
      groups.push({ id: "condition", label: "Condition", entries: [{ id: "condition", component: ConditionEntry, isEdited: isTextFieldEntryEdited }] });
    }
    return groups;
  }

  class RuntimePropertiesProvider {
    constructor(propertiesPanel) {
      propertiesPanel.registerProvider(100, this); // after the BPMN and Camunda providers: it has the last word
    }

    getGroups(element) {
      return (groups) => {
        const kept = groups.filter((group) => KEPT_GROUPS.has(group.id) ||
          (group.id === HANDLER_SETTINGS && is(element, "bpmn:ServiceTask")));
        kept.forEach((group) => {
          if (group.entries) group.entries = group.entries.filter((entry) => !DROPPED_ENTRIES.has(entry.id));
          if (group.id === HANDLER_SETTINGS) group.label = "Handler settings";
        });
        const general = kept.findIndex((group) => group.id === "general");
        kept.splice(general + 1, 0, ...ownGroups(element));
        // What the runtime acts on first; notes for people last.
        return [...kept.filter((group) => group.id !== "documentation"),
          ...kept.filter((group) => group.id === "documentation")];
      };
    }
  }
  RuntimePropertiesProvider.$inject = ["propertiesPanel"];
  return { __init__: ["runtimePropertiesProvider"], runtimePropertiesProvider: ["type", RuntimePropertiesProvider] };
}

// Descriptions for entries the Camunda provider draws, in this service's terms.
export function descriptions(roles) {
  const names = roles.map((role) => role.label).join(", ");
  return {
    name: (element) => (is(element, "bpmn:Lane") ? `The role that does this lane's steps: one of ${names}.` : undefined),
    timerEventDefinitionValue: () => "An ISO 8601 date or duration (P10D), or an expression such as "
      + "working_days_after(referral_received_on, 1).",
  };
}
