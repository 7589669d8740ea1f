// The BPMN editor of a process's draft (bpmn-js with the Camunda properties panel: form key, candidate groups,
// timers, conditions, external-task topics). The diagram files stay in their textareas, which the form posts:
// the editor loads the chosen file from its textarea and writes every change back, so the page still works,
// by keyboard and without scripts, as plain text. Elements with validation problems are marked.
import BpmnModeler from "bpmn-js/lib/Modeler";
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from "bpmn-js-properties-panel";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";
import { layoutProcess } from "bpmn-auto-layout";

// Diagrams written by hand (or by other tools) may carry no layout: lay them out before drawing them.
const drawable = async (xml) => (/BPMNDiagram/.test(xml) ? xml : layoutProcess(xml));

function start() {
  const root = document.getElementById("diagram-editor");
  if (!root) return;
  const choice = document.getElementById("diagram-file");
  const problems = JSON.parse(root.dataset.problems || "[]");
  const status = root.querySelector(".app-editor-status");
  const modeler = new BpmnModeler({
    container: root.querySelector(".app-canvas"),
    propertiesPanel: { parent: root.querySelector(".app-properties") },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule],
    moddleExtensions: { camunda: camundaModdle },
  });
  const area = (name) => document.querySelector(`textarea[name="diagram:${CSS.escape(name)}"]`);
  let current = choice.value;

  async function show(name) {
    try {
      await modeler.importXML(await drawable(area(name).value));
      current = name;
      const canvas = modeler.get("canvas");
      const registry = modeler.get("elementRegistry");
      problems.filter((id) => registry.get(id)).forEach((id) => canvas.addMarker(id, "app-problem"));
      canvas.zoom("fit-viewport");
      status.textContent = `Showing ${name}.`;
    } catch (error) {
      status.textContent = `${name} cannot be drawn: ${error.message}. Edit it as text below.`;
    }
  }

  modeler.on("commandStack.changed", async () => {
    const { xml } = await modeler.saveXML({ format: true });
    area(current).value = xml;
  });
  choice.addEventListener("change", () => show(choice.value));
  root.hidden = false;
  show(current);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
