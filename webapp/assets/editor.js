// The BPMN editor of a process's draft: bpmn-js with a properties panel that offers only what the runtime reads
// (./properties.js). The diagram files stay in their textareas, which the form posts: the editor loads the chosen
// file from its textarea and writes every change back, so the page still works, by keyboard and without
// scripts, as plain text. Elements with validation problems are marked. Each form's text gets a live preview.
import BpmnModeler from "bpmn-js/lib/Modeler";
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from "bpmn-js-properties-panel";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";
import { drawable } from "./layout.js";
import { descriptions, runtimePropertiesModule } from "./properties.js";
import { showReadably, whenSized, zoomButtons } from "./zoom.js";

function start() {
  const root = document.getElementById("diagram-editor");
  if (!root) return;
  const choice = document.getElementById("diagram-file");
  const problems = JSON.parse(root.dataset.problems || "[]");
  const choices = JSON.parse(root.dataset.choices);
  const status = root.querySelector(".app-editor-status");
  const container = root.querySelector(".app-canvas");
  const newFormKey = () => document.getElementById("new_form_key")?.value.trim();
  const modeler = new BpmnModeler({
    container,
    propertiesPanel: { parent: root.querySelector(".app-properties"), description: descriptions(choices.roles) },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule,
      runtimePropertiesModule(choices, newFormKey)],
    moddleExtensions: { camunda: camundaModdle },
  });
  const canvas = modeler.get("canvas");
  const area = (name) => document.querySelector(`textarea[name="diagram:${CSS.escape(name)}"]`);
  let current = choice.value;

  async function show(name) {
    try {
      await modeler.importXML(await drawable(area(name).value));
      current = name;
      const registry = modeler.get("elementRegistry");
      problems.filter((id) => registry.get(id)).forEach((id) => canvas.addMarker(id, "app-problem"));
      showReadably(canvas);
      status.textContent = `Showing ${name}.`;
    } catch (error) {
      status.textContent = `${name} cannot be drawn: ${error.message}. Edit it as text below.`;
    }
  }

  modeler.on("commandStack.changed", async () => {
    const { xml } = await modeler.saveXML({ format: true });
    area(current).value = xml;
  });
  choice.addEventListener("change", () => whenSized(container, () => show(choice.value)));
  zoomButtons(root, canvas);
  root.hidden = false; // before drawing: a hidden canvas has no size to fit the diagram to
  whenSized(container, () => show(current));
}

// Each form's text with a live preview of the form it gives, as the service renders it, drawn when its section
// is opened and again as the text changes.
function previews() {
  const root = document.getElementById("diagram-editor");
  if (!root) return;
  const token = document.querySelector('input[name="csrf_token"]').value;
  document.querySelectorAll('textarea[name^="form:"], textarea[name="new_form"]').forEach((area) => {
    const section = area.closest("details");
    const key = area.name === "new_form" ? "new" : area.name.replace("form:", "");
    const preview = document.createElement("div");
    preview.className = "app-form-preview";
    preview.tabIndex = 0; // it scrolls: keyboard users can too
    preview.setAttribute("role", "region");
    preview.setAttribute("aria-label", area.name === "new_form" ? "Preview of the new form" : `Preview of ${key}`);
    section.querySelector(".app-form-preview-column").append(preview);
    let timer;
    let shown = null;
    const refresh = async () => {
      if (!section.open || shown === area.value) return;
      shown = area.value;
      if (!area.value.trim()) { preview.replaceChildren(); return; }
      const body = new URLSearchParams({ schema: area.value, key, csrf_token: token });
      const response = await fetch(root.dataset.preview, { method: "POST", body, credentials: "same-origin",
                                                            headers: { "X-CSRFToken": token } });
      preview.innerHTML = await response.text(); // the service's own escaped markup
      preview.querySelectorAll("input, select, textarea, button").forEach((field) => { field.disabled = true; });
    };
    area.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 400); });
    section.addEventListener("toggle", refresh);
    refresh();
  });
}

function ready(fn) {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
  else fn();
}
ready(start);
ready(previews);
