// A "Handler" group in the properties panel of a service task: the handler chosen from the service's registered
// list (the page gives it), written as camunda:type="external" and camunda:topic, as the runtime reads them.
import { SelectEntry, isSelectEntryEdited } from "@bpmn-io/properties-panel";
import { h } from "@bpmn-io/properties-panel/preact";
import { useService } from "bpmn-js-properties-panel";
import { is } from "bpmn-js/lib/util/ModelUtil";

export function handlersModule(handlers) {
  function HandlerEntry({ element, id }) {
    const modeling = useService("modeling");
    const business = element.businessObject;
    return h(SelectEntry, {
      element,
      id,
      label: "Handler",
      getValue: () => business.get("camunda:topic") || "",
      setValue: (value) => modeling.updateProperties(element, { "camunda:type": "external", "camunda:topic": value || undefined }),
      getOptions: () => [{ value: "", label: "Choose a handler" },
        ...handlers.map((handler) => ({ value: handler.name, label: `${handler.name}: ${handler.description}` }))],
    });
  }

  class HandlerProvider {
    constructor(propertiesPanel) {
      propertiesPanel.registerProvider(400, this);
    }

    getGroups(element) {
      return (groups) => {
        if (is(element, "bpmn:ServiceTask")) {
          groups.splice(1, 0, { id: "handler", label: "Handler", entries: [
            { id: "handler", component: HandlerEntry, isEdited: isSelectEntryEdited }] });
        }
        return groups;
      };
    }
  }
  HandlerProvider.$inject = ["propertiesPanel"];
  return { __init__: ["handlerProvider"], handlerProvider: ["type", HandlerProvider] };
}
