"""Parsing diagram XML safely: no DTDs, no entities, no network, bounded size."""
from __future__ import annotations

import re

from lxml import etree

MAX_DIAGRAM_BYTES = 2 * 1024 * 1024
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NSMAP = {"bpmn": BPMN_NS, "camunda": "http://camunda.org/schema/1.0/bpmn"}


class UnsafeXml(ValueError):
    """The XML was refused before parsing; `line` says where, when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def parse_diagram(content: bytes) -> etree._Element:
    """Parse BPMN XML, refusing DOCTYPE and entity declarations outright (XXE and entity bombs)."""
    if len(content) > MAX_DIAGRAM_BYTES:
        raise UnsafeXml(f"the diagram is larger than {MAX_DIAGRAM_BYTES // 1024} KB")
    declaration = _DECLARATION.search(content)
    if declaration:
        line = content.count(b"\n", 0, declaration.start()) + 1
        raise UnsafeXml("DOCTYPE and ENTITY declarations are not allowed in diagrams", line)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=False)
    return etree.fromstring(content, parser=parser)


def local_name(element) -> str:
    return etree.QName(element).localname


def element_label(element) -> tuple[str | None, str | None]:
    """The id and name of the nearest element with an id that a modeler shows (an event's definition has an id
    too, but people select the event)."""
    while element is not None and (element.get("id") is None or local_name(element).endswith("EventDefinition")):
        element = element.getparent()
    return (element.get("id"), element.get("name")) if element is not None else (None, None)
