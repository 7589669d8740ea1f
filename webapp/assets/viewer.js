// A case's own diagram (the version it runs on), its completed steps and current steps marked. The same
// facts are on the page as text (current steps and history); the drawing is an aid, not the only record.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import { layoutProcess } from "bpmn-auto-layout";

async function start() {
  const root = document.getElementById("case-diagram");
  if (!root) return;
  const response = await fetch(root.dataset.src, { credentials: "same-origin" });
  if (!response.ok) return;
  const data = await response.json();
  const viewer = new NavigatedViewer({ container: root.querySelector(".app-canvas") });
  await viewer.importXML(/BPMNDiagram/.test(data.xml) ? data.xml : await layoutProcess(data.xml));
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  data.completed.filter((id) => registry.get(id)).forEach((id) => canvas.addMarker(id, "app-done"));
  data.current.filter((id) => registry.get(id)).forEach((id) => canvas.addMarker(id, "app-current"));
  canvas.zoom("fit-viewport");
  root.hidden = false;
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
