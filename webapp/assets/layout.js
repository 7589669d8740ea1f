// Diagrams written by hand (or by other tools) may carry no layout (no BPMNDiagram): lay them out before drawing.
// bpmn-auto-layout follows each flow node's <incoming>/<outgoing> children, not the sequence flows' source and
// target refs, and hand-written diagrams leave those out: without them every node lands in one column with no
// arrows. So add the refs the sequence flows imply (in sub-processes and on boundary events too) first.
import { layoutProcess } from "bpmn-auto-layout";

const BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL";
const BEFORE = { incoming: ["documentation", "extensionElements", "incoming"],
                 outgoing: ["documentation", "extensionElements", "incoming", "outgoing"] };

export function withFlowRefs(xml) {
  const doc = new DOMParser().parseFromString(xml, "application/xml");
  if (doc.getElementsByTagName("parsererror").length) return xml; // let the import report the error
  const byId = new Map([...doc.getElementsByTagNameNS(BPMN, "*")].map((el) => [el.getAttribute("id"), el]));
  for (const flow of doc.getElementsByTagNameNS(BPMN, "sequenceFlow")) {
    const id = flow.getAttribute("id");
    for (const [end, tag] of [["sourceRef", "outgoing"], ["targetRef", "incoming"]]) {
      const node = byId.get(flow.getAttribute(end));
      const children = node ? [...node.children].filter((el) => el.namespaceURI === BPMN) : [];
      if (!node || children.some((el) => el.localName === tag && el.textContent.trim() === id)) continue;
      const ref = doc.createElementNS(BPMN, node.prefix ? `${node.prefix}:${tag}` : tag);
      ref.textContent = id;
      const after = children.filter((el) => BEFORE[tag].includes(el.localName)).pop(); // keep the schema's order
      node.insertBefore(ref, after ? after.nextSibling : node.firstChild);
    }
  }
  return new XMLSerializer().serializeToString(doc);
}

export const drawable = async (xml) => (/BPMNDiagram/.test(xml) ? xml : layoutProcess(withFlowRefs(xml)));
