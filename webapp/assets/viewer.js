// A case's own diagram (the version it runs on), its completed steps and current steps marked. The same facts
// are on the page as text (current steps and history); the drawing is an aid, not the only record. It sits in a
// collapsed section and is fetched and drawn the first time that section is opened: bpmn-js cannot measure,
// and so cannot fit, a canvas that is hidden or has no size.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import { drawable } from "./layout.js";
import { showReadably, whenSized, zoomButtons } from "./zoom.js";

async function draw(root) {
  const status = root.querySelector(".app-diagram-status");
  status.textContent = "Drawing the diagram…";
  try {
    const response = await fetch(root.dataset.src, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`the service answered ${response.status}`);
    const data = await response.json();
    const container = root.querySelector(".app-canvas");
    const viewer = new NavigatedViewer({ container });
    await viewer.importXML(await drawable(data.xml));
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    data.completed.filter((id) => registry.get(id)).forEach((id) => canvas.addMarker(id, "app-done"));
    data.current.filter((id) => registry.get(id)).forEach((id) => canvas.addMarker(id, "app-current"));
    zoomButtons(root, canvas);
    whenSized(container, () => showReadably(canvas, data.current.map((id) => registry.get(id)).filter(Boolean)));
    status.textContent = "";
    root.classList.add("app-diagram--drawn");
  } catch (error) {
    status.textContent = `The diagram cannot be drawn (${error.message}). The steps are listed on this page.`;
  }
}

function start() {
  const root = document.getElementById("case-diagram");
  if (!root) return;
  let drawn = false;
  const open = () => {
    if (!root.open || drawn) return;
    drawn = true;
    draw(root);
  };
  root.addEventListener("toggle", open);
  root.hidden = false;
  open();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
