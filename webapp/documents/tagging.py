"""One table in the tagged structure for a table that runs over pages. WeasyPrint 70 builds the structure tree
page by page: a table over three pages becomes three Tables, each with the repeated header row as its own THead,
so a screen reader announces three tables and reads the headers three times. Here the header row repeated on a
later page is drawn as a pagination artifact (still printed, outside the tree), and the parts of a table, a row
section, a row or a cell continued on a later page are joined to the element begun earlier, its cells pointing
at the one header row. This reaches into two private functions of WeasyPrint, pinned to 70.0 in pyproject.toml;
tests/minutes/test_pdf_layout.py reads the tree back and fails if an upgrade changes them."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import pydyf
from weasyprint.formatting_structure import boxes
from weasyprint.pdf import stream as pdf_stream
from weasyprint.pdf import tags as pdf_tags

JOINED = ("/Table", "/THead", "/TBody", "/TFoot", "/TR", "/TH", "/TD")


@dataclass
class _Render:
    repeated: set = field(default_factory=set)  # boxes of header rows repeated on a later page, and their contents
    repeated_groups: set = field(default_factory=set)
    begun: dict = field(default_factory=dict)  # (HTML element, structure type) -> the element made first
    cells: list = field(default_factory=list)  # every TD made, to point continued cells at the one header row
    placed: set = field(default_factory=set)  # ids of the elements already met, in the call for their own box


_RENDER: ContextVar[_Render | None] = ContextVar("pdf_table_render", default=None)


def repeated_headers(document) -> tuple[set, set]:
    """The header row groups WeasyPrint repeats on later pages of a table, and every box inside them."""
    seen, groups, inside = set(), set(), set()
    for page in document.pages:
        on_page = []
        for box in page._page_box.descendants():
            if isinstance(box, boxes.TableBox):
                on_page.append(box.element)
                if box.element in seen and box.children and box.children[0].is_header:
                    groups.add(box.children[0])
                    inside.update(box.children[0].descendants())
        seen.update(on_page)
    return groups, inside


@contextmanager
def one_table_per_table(document):
    """While writing `document`, repeated header rows are artifacts and continued table parts are joined."""
    groups, inside = repeated_headers(document)
    token = _RENDER.set(_Render(repeated=inside, repeated_groups=groups))
    try:
        yield
    finally:
        _RENDER.reset(token)


_original_marked = pdf_stream.Stream.marked
_original_build = pdf_tags._build_box_tree


def _marked(self, box, tag):
    render = _RENDER.get()
    if render is not None and box in render.repeated:
        return self.artifact()
    return _original_marked(self, box, tag)


def _object(pdf, reference):
    return pdf.objects[int(reference.split()[0])]


def _join(pdf, first, later) -> None:
    """Move a continued element's children to the element begun on an earlier page."""
    for kid in later["K"]:
        if isinstance(kid, bytes):
            _object(pdf, kid)["P"] = first.reference
        first["K"].append(kid)
    later["K"] = pydyf.Array([])


def _point_cells_at(render: _Render, later, first) -> None:
    """Cells laid out under a repeated header named its (untagged) cells: name the first header's instead."""
    old, new = f"{later.number}-", f"{first.number}-"
    for cell in render.cells:
        headers = cell.get("A", {}).get("Headers")
        if headers:
            cell["A"]["Headers"] = pydyf.Array(
                pydyf.String(new + h.string[len(old):]) if h.string.startswith(old) else h for h in headers)


def _build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
    render = _RENDER.get()
    if render is None:
        yield from _original_build(box, parent, pdf, page_number, nums, annotations, tags)
        return
    if box in render.repeated_groups:
        for cell in box.descendants():
            if isinstance(cell, boxes.TableCellBox):
                cell.mark = pydyf.Dictionary({"A": pydyf.Dictionary({})})  # read by WeasyPrint's header mapping
        return
    for element in _original_build(box, parent, pdf, page_number, nums, annotations, tags):
        if id(element) in render.placed:  # made for a descendant (html and body pass their children's up)
            yield element
            continue
        render.placed.add(id(element))
        kind = element["S"]
        if kind == "/TD":
            render.cells.append(element)
        if kind not in JOINED or box.element is None:
            yield element
            continue
        first = render.begun.setdefault((box.element, kind), element)
        if first is element:
            yield element
            continue
        _join(pdf, first, element)
        if kind == "/Table":
            _point_cells_at(render, element, first)


def install() -> None:
    """Route WeasyPrint's tagging through this module (idempotent; inert outside `one_table_per_table`)."""
    pdf_stream.Stream.marked = _marked
    pdf_tags._build_box_tree = _build_box_tree
