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
import { handlersModule } from "./handlers.js";
import { drawable } from "./layout.js";

function start() {
  const root = document.getElementById("diagram-editor");
  if (!root) return;
  const choice = document.getElementById("diagram-file");
  const problems = JSON.parse(root.dataset.problems || "[]");
  const status = root.querySelector(".app-editor-status");
  const modeler = new BpmnModeler({
    container: root.querySelector(".app-canvas"),
    propertiesPanel: { parent: root.querySelector(".app-properties") },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule,
      handlersModule(JSON.parse(root.dataset.handlers || "[]"))],
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

// Each form's text with a live preview of the form it gives, as the service renders it.
function previews() {
  const root = document.getElementById("diagram-editor");
  if (!root) return;
  const token = document.querySelector('input[name="csrf_token"]').value;
  document.querySelectorAll('textarea[name^="form:"], textarea[name="new_form"]').forEach((area) => {
    const preview = document.createElement("div");
    preview.className = "app-form-preview";
    preview.setAttribute("role", "region");
    preview.setAttribute("aria-label", `Preview of ${area.name.replace("form:", "")}`);
    area.closest(".govuk-form-group").after(preview);
    let timer;
    const refresh = async () => {
      if (!area.value.trim()) { preview.replaceChildren(); return; }
      const body = new URLSearchParams({ schema: area.value, csrf_token: token });
      const response = await fetch(root.dataset.preview, { method: "POST", body, credentials: "same-origin",
                                                            headers: { "X-CSRFToken": token } });
      preview.innerHTML = await response.text();  // the service's own escaped markup
      preview.querySelectorAll("input, select, textarea, button").forEach((field) => { field.disabled = true; });
    };
    area.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 400); });
    refresh();
  });
}

function ready(fn) {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
  else fn();
}
ready(start);
ready(previews);
