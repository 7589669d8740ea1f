"""Minutes and plan PDFs laid out to be read: a long unbroken word or a pasted meeting link in a table cell
breaks inside its own column, so every column (its header, every owner and due date) stays on every page the
table spans and every table stays inside the page; the marking at the top and bottom of every page and the
version in the footer; a table that runs over pages is one Table in the tagged structure, its header row once."""
import io
import re
from datetime import date, datetime, timezone

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream
from sqlalchemy import select

from tests.cases.builders import (
    assessment_answers, complete, hold_meeting, open_case, referral_answers, start_assessment,
)
from tests.minutes.builders import CONTENT, approve, held_meeting, user, write
from webapp.audit.services import NO_ORIGIN
from webapp.documents.models import Document
from webapp.documents.rendering import render_pdf
from webapp.minutes import services
from webapp.minutes.distribution import configured_links
from webapp.minutes.reviews import configured_cadence
from webapp.worker import render_documents

WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 2 + "x" * 35  # 125 letters, no break
assert len(WORD) == 125 and WORD.isalpha()
LINK = ("https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjQ2ZDk4YTQtYjM0Ni00ZGE4LWJmMTktY2E0NDM5ZjE2MmQx"
        "%40thread.v2/0?context=%7b%22Tid%22%3a%2272f988bf-86f1-41af-91ab-2d7cd011db47%22%7d")
ACTIONS = [{"action": f"Action {n}: {WORD if n % 2 else LINK}", "owner": f"Owner{n:02d} Demo",
            "due_on": f"2026-04-{n:02d}"} for n in range(1, 29)]
ACTION_HEADERS = ("Action", "Who will do it", "By when")
MM = 72 / 25.4  # PDF points in a millimetre
TOP_MARGIN_MM, SIDE_MARGIN_MM, BOTTOM_MARGIN_MM = 25, 18, 22  # the @page margins (webapp/static/pdf/record.css)


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def structure(pdf: PdfReader) -> list:
    """The structure tree's elements as (type, [children]) from /StructTreeRoot down."""
    def walk(node):
        node = node.get_object()
        kids = node.get("/K", [])
        kids = kids if isinstance(kids, list) else [kids]
        children = [walk(k) for k in kids if hasattr(k, "get_object") and isinstance(k.get_object(), dict)
                    and k.get_object().get("/Type", "/StructElem") == "/StructElem" and "/S" in k.get_object()]
        return node["/S"], children
    root = pdf.trailer["/Root"]["/StructTreeRoot"]
    kids = root["/K"] if isinstance(root["/K"], list) else [root["/K"]]
    return [walk(k) for k in kids]


def cells(pdf: PdfReader) -> list[dict]:
    """Every TH and TD element of the structure tree, as its PDF dictionary."""
    found, stack = [], [pdf.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop().get_object()
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            if hasattr(kid, "get_object") and isinstance(kid.get_object(), dict) and "/S" in kid.get_object():
                stack.append(kid)
        if node.get("/S") in ("/TH", "/TD"):
            found.append(node)
    return found


def find(tree, kind: str) -> list:
    found = []
    for node in tree:
        if node[0] == kind:
            found.append(node)
        found.extend(find(node[1], kind))
    return found


def header_rows(table) -> list:
    """The rows of a Table element whose cells are all header cells."""
    rows = find(table[1], "/TR")
    return [row for row in rows if row[1] and all(cell[0] == "/TH" for cell in row[1])]


def margins(page) -> tuple[str, str]:
    """The text printed in the top margin and in the bottom margin of a page, found by where it is drawn."""
    height, top, bottom = float(page.mediabox.height), [], []

    def visit(text, cm, tm, font, size):
        y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
        if y > height - TOP_MARGIN_MM * MM:
            top.append(text)
        elif y < BOTTOM_MARGIN_MM * MM:
            bottom.append(text)

    page.extract_text(visitor_text=visit)
    return flat(" ".join(top)), flat(" ".join(bottom))


def drawn_right_edge(pdf: PdfReader, page) -> float:
    """The right-most x (in points) of any rectangle or line the page draws: cell borders and backgrounds."""
    content = ContentStream(page.get_contents(), pdf)
    stack, ctm, right = [], [1, 0, 0, 1, 0, 0], 0.0

    def apply(x, y):
        return ctm[0] * x + ctm[2] * y + ctm[4]

    for operands, operator in content.operations:
        if operator == b"q":
            stack.append(ctm)
        elif operator == b"Q":
            ctm = stack.pop()
        elif operator == b"cm":
            a, b, c, d, e, f = (float(v) for v in operands)
            ctm = [a * ctm[0] + b * ctm[2], a * ctm[1] + b * ctm[3], c * ctm[0] + d * ctm[2],
                   c * ctm[1] + d * ctm[3], e * ctm[0] + f * ctm[2] + ctm[4], e * ctm[1] + f * ctm[3] + ctm[5]]
        elif operator == b"re":
            x, y, w, h = (float(v) for v in operands)
            right = max(right, apply(x, y), apply(x + w, y))
        elif operator in (b"m", b"l"):
            right = max(right, apply(float(operands[0]), float(operands[1])))
    return right


@pytest.fixture
def held(app, partnership, clock):
    return held_meeting(partnership)


def issued_minutes(session, held, content):
    case, meeting, sw1, tm1 = held
    write(sw1, case, content)
    version = approve(tm1, case)
    session.commit()
    assert render_documents(limit=100) == (1, False)
    session.expire_all()
    return case, version, read(session.get(Document, version.document_id).pdf)


def check_action_table(pages: list[str], owners_and_dates: list[tuple[str, str]]) -> None:
    """Each page holding an action shows the three headers and, for each action on it, its owner and due date."""
    spanned = [text for text in pages if "Owner01 Demo" in text or re.search(r"Action \d+:", text)]
    assert len(spanned) >= 2, "the actions should run over more than one page"
    for text in spanned:
        assert " ".join(ACTION_HEADERS) in flat(text), "a column header is missing from a page the table spans"
    whole = flat(" ".join(pages))
    for owner, due in owners_and_dates:
        assert f"{owner} {due}" in whole, (owner, due)  # the owner and due date beside each other, on the page
    for number in range(1, len(owners_and_dates) + 1):  # each action on the page its owner is on
        page = next(text for text in spanned if re.search(rf"Action {number}:", text))
        assert owners_and_dates[number - 1][0] in flat(page)


def test_long_words_and_links_break_inside_their_column_in_the_minutes(partnership, held):
    progress = [{"outcome": WORD, "progress": LINK}]
    case, version, pdf = issued_minutes(partnership, held, {**CONTENT, "actions": ACTIONS, "progress": progress,
                                                            "decisions": f"{WORD} {LINK}"})
    pages = [page.extract_text() for page in pdf.pages]
    check_action_table(pages, [(a["owner"], date.fromisoformat(a["due_on"]).strftime("%-d %B %Y"))
                               for a in ACTIONS])
    for header in ("Name", "Organisation", "Role", "Attendance", "Report received"):
        assert header in flat(pages[0]), header
    width = float(pdf.pages[0].mediabox.width)
    for number, page in enumerate(pdf.pages, start=1):
        assert drawn_right_edge(pdf, page) <= width - SIDE_MARGIN_MM * MM + 0.5, f"page {number} runs over"


def test_the_attendance_table_fits_the_page(partnership, held):
    case, version, pdf = issued_minutes(partnership, held, CONTENT)
    page = pdf.pages[0]
    overrun = drawn_right_edge(pdf, page) - (float(page.mediabox.width) - SIDE_MARGIN_MM * MM)
    assert overrun <= 0.5, f"the attendance table runs {overrun / MM:.1f} mm into the margin"


def test_every_page_carries_the_marking_top_and_bottom_and_the_version(partnership, held):
    case, first, original = issued_minutes(partnership, held, {**CONTENT, "actions": ACTIONS})
    meeting, sw1, tm1 = held[1:]
    services.start_correction(sw1, meeting.id, "The review date was wrong", origin=NO_ORIGIN,
                              now=datetime.now(timezone.utc))
    services.save_correction(sw1, meeting.id, {**CONTENT, "actions": ACTIONS, "next_review_on": "2026-04-21"}, [],
                             submit=True, cadence=configured_cadence(), origin=NO_ORIGIN,
                             now=datetime.now(timezone.utc))
    second = services.approve_correction(tm1, meeting.id, links=configured_links(), origin=NO_ORIGIN,
                                         now=datetime.now(timezone.utc))
    partnership.commit()
    assert render_documents(limit=100) == (1, False)
    corrected = read(partnership.get(Document, second.document_id).pdf)
    for pdf, version in ((original, "Version 1"), (corrected, "Version 2, correcting version 1")):
        assert len(pdf.pages) >= 2
        for number, page in enumerate(pdf.pages, start=1):
            top, bottom = margins(page)
            assert "OFFICIAL-SENSITIVE" in top, f"page {number}: no marking at the top"
            assert "OFFICIAL-SENSITIVE" in bottom, f"page {number}: no marking at the foot"
            assert f"Case {case.reference}" in top and f"Page {number} of {len(pdf.pages)}" in bottom
            assert version in bottom, f"page {number}: {version!r} is not in the footer"
    assert "correcting" not in " ".join(margins(page)[1] for page in original.pages)


def test_a_table_over_several_pages_is_one_table_with_one_header_row(partnership, held):
    case, version, pdf = issued_minutes(partnership, held, {**CONTENT, "actions": ACTIONS})
    assert len(pdf.pages) >= 2
    tables = find(structure(pdf), "/Table")
    assert len(tables) == 3  # attendance, progress, actions
    for table in tables:
        heads = header_rows(table)
        assert len(heads) == 1, f"{len(heads)} header rows in one table"
        assert len(find(table[1], "/THead")) == 1
    actions = tables[-1]
    assert [len(row[1]) for row in header_rows(actions)] == [3]
    body_rows = [row for row in find(actions[1], "/TR") if row not in header_rows(actions)]
    assert len(body_rows) == len(ACTIONS)
    assert len(find(structure(pdf), "/TH")) == 7 + 2 + 3
    header_ids = {str(cell["/ID"]) for cell in cells(pdf) if cell["/S"] == "/TH"}
    for cell in cells(pdf):  # every data cell, on every page, names its column's one header cell
        if cell["/S"] == "/TD":
            assert len(cell["/A"]["/Headers"]) == 1 and str(cell["/A"]["/Headers"][0]) in header_ids


def test_the_plan_pdf_keeps_its_columns_and_its_table(partnership_committed, clock):
    session = partnership_committed
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    case = open_case(sw1, referral_answers(given="Cy", family="Democase"))
    start_assessment(case, sw1, tm1)
    complete(sw1, case, "assessment", assessment_answers())
    hold_meeting(sw1, case, "convene_by_day_20")
    complete(tm1, case, "manager_review", {"assessment_agreed": True})
    complete(tm1, case, "assessment_outcome", {"outcome": "cin_plan", "outcome_reasons": "x"})
    complete(sw1, case, "cin_plan", {
        "plan_agreed_on": "2026-03-02", "needs_and_worries": f"{WORD} {LINK}", "outcomes": [{"outcome": WORD}],
        "contingency": "x", "actions": ACTIONS, "visiting_frequency": "weekly", "lead_practitioner": "x"})
    session.commit()
    render_documents(limit=100)
    plan, = session.scalars(select(Document).where(Document.case_id == case.id, Document.kind == "cin_plan"))
    pdf = read(plan.pdf)
    pages = [page.extract_text() for page in pdf.pages]
    check_action_table(pages, [(a["owner"], date.fromisoformat(a["due_on"]).strftime("%-d %B %Y"))
                               for a in ACTIONS])
    width = float(pdf.pages[0].mediabox.width)
    for number, page in enumerate(pdf.pages, start=1):
        top, bottom = margins(page)
        assert "OFFICIAL-SENSITIVE" in top and "OFFICIAL-SENSITIVE" in bottom and "Version 1" in bottom
        assert drawn_right_edge(pdf, page) <= width - SIDE_MARGIN_MM * MM + 0.5, f"page {number} runs over"
    tables = find(structure(pdf), "/Table")
    assert len(tables) == 1 and [len(row[1]) for row in header_rows(tables[0])] == [3]
    assert len(find(tables[0][1], "/TR")) == 1 + len(ACTIONS)


def test_a_table_split_inside_a_row_is_still_one_table():
    """A cell taller than a page splits its row: the row's two halves are one row of one table."""
    tall = "<br>".join(f"line {n}" for n in range(120))
    html = f"""<!doctype html><html lang="en-GB"><head><title>t</title>
      <link rel="stylesheet" href="pdf/record.css"></head><body><h1>Split</h1>
      <table><thead><tr><th scope="col">A</th><th scope="col">B</th></tr></thead>
      <tbody><tr><td>first</td><td>x</td></tr><tr><td>{tall}</td><td>y</td></tr>
      <tr><td>last</td><td>z</td></tr></tbody></table></body></html>"""
    pdf = read(render_pdf(html))
    assert len(pdf.pages) >= 2
    tables = find(structure(pdf), "/Table")
    assert len(tables) == 1
    assert len(header_rows(tables[0])) == 1 and len(find(tables[0][1], "/TR")) == 4
