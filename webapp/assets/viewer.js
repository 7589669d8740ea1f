// A case's own diagram (the version it runs on), its completed steps and current steps marked. The same
// facts are on the page as text (current steps and history); the drawing is an aid, not the only record.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import { drawable } from "./layout.js";

async function start() {
  const root = document.getElementById("case-diagram");
  if (!root) return;
  const response = await fetch(root.dataset.src, { credentials: "same-origin" });
  if (!response.ok) return;
  const data = await response.json();
  const viewer = new NavigatedViewer({ container: root.querySelector(".app-canvas") });
  await viewer.importXML(await drawable(data.xml));
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  data.completed.filter((id) => registry.get(id)).forEach((id) => canvas.addMarker(id, "app-done"));
  data.current.filter((id) => registry.get(id)).forEach((id) => canvas.addMarker(id, "app-current"));
  root.hidden = false; // before fitting: a hidden canvas has no size to fit to (the zoom throws)
  canvas.zoom("fit-viewport");
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
