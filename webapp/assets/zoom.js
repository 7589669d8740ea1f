// Zooming the BPMN editor and the case's diagram so that people can read them. bpmn-js fits a diagram by
// scaling it down until all of it shows: section17 then draws its labels a few pixels high. Below READABLE the
// diagram is shown at READABLE instead, from its start (or around the steps given), to be dragged or zoomed out.
// bpmn-js can only measure a canvas that is drawn and has a size: zooming one that is hidden or 0 px tall throws
// (SVGMatrix given a non-finite scale), so callers draw through whenSized.
const READABLE = 1; // bpmn-js's own size: labels at 12 px
const MARGIN = 40; // screen pixels left free around the diagram's start

export const hasSize = (element) => element.clientWidth > 0 && element.clientHeight > 0;

// Run `draw` once `element` is laid out with a size (at once if it already has one).
export function whenSized(element, draw) {
  if (hasSize(element)) {
    draw();
    return;
  }
  const observer = new ResizeObserver(() => {
    if (!hasSize(element)) return;
    observer.disconnect();
    draw();
  });
  observer.observe(element);
}

// The whole diagram if it reads at that size, else READABLE from the start, or centred on `focus` (shapes).
export function showReadably(canvas, focus = []) {
  if (!hasSize(canvas.getContainer())) return;
  canvas.zoom("fit-viewport", "auto");
  if (canvas.zoom() >= READABLE) return;
  canvas.zoom(READABLE);
  const { inner, width, height } = canvas.viewbox();
  const margin = MARGIN / READABLE;
  let x = inner.x - margin;
  let y = inner.height <= height - 2 * margin ? inner.y + inner.height / 2 - height / 2 : inner.y - margin;
  if (focus.length) {
    const left = Math.min(...focus.map((shape) => shape.x));
    const top = Math.min(...focus.map((shape) => shape.y));
    const right = Math.max(...focus.map((shape) => shape.x + shape.width));
    const bottom = Math.max(...focus.map((shape) => shape.y + shape.height));
    x = Math.max(x, (left + right) / 2 - width / 2);
    y = (top + bottom) / 2 - height / 2;
  }
  canvas.viewbox({ x, y, width, height });
}

// Buttons with data-zoom="in", "out" or "fit" inside `root` zoom the canvas; a resized window re-measures it.
export function zoomButtons(root, canvas) {
  root.querySelectorAll("[data-zoom]").forEach((button) => {
    button.addEventListener("click", () => {
      if (!hasSize(canvas.getContainer())) return;
      const scale = canvas.zoom();
      if (button.dataset.zoom === "in") canvas.zoom(Math.min(scale * 1.25, 4));
      else if (button.dataset.zoom === "out") canvas.zoom(Math.max(scale / 1.25, 0.1));
      else canvas.zoom("fit-viewport", "auto");
    });
  });
  window.addEventListener("resize", () => { if (hasSize(canvas.getContainer())) canvas.resized(); });
}
