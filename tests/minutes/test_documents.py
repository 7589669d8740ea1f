"""Minutes and plan PDFs rendered by the worker and read back with pypdf: archival and tagged markers, the
marking and page numbers on every page, the sections, attendance and actions, the stored hash; hostile text
stays text and nothing outside the app's static folder is ever read; who may download them."""
import hashlib
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.cases.builders import (
    convene, open_case, referral_answers, start_assessment, start_meeting_now, take_to_first_review,
)
from tests.helpers import sign_in
from tests.minutes.builders import CONTENT, approve, held_meeting, user, write
from webapp.audit.models import AuditEvent
from webapp.demo import DEMO_PASSWORD
from webapp.documents.models import Document
from webapp.documents.rendering import render_pdf
from webapp.mail.models import OutboxMessage
from webapp.worker import render_documents

HOSTILE = ('<img src="file:///etc/passwd"> <link rel=attachment href="file:///etc/hostname"> '
           '<script>document.write("x")</script>')
MANY_ACTIONS = [{"action": f"Action number {n} for the family", "owner": "Demo Health Visitor", "due_on": "2026-04-01"}
                for n in range(1, 61)]


@pytest.fixture
def held(app, partnership, clock):
    return held_meeting(partnership)


def issue(session, case, sw1, tm1, content=None, family=()):
    write(sw1, case, content, family)
    version = approve(tm1, case)
    session.commit()
    assert render_documents(limit=100) == (1, False)
    session.expire_all()
    return version


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def test_the_minutes_pdf_is_archival_tagged_and_holds_the_record(partnership, held):
    case, meeting, sw1, tm1 = held
    grandmother = next(m for m in case.child.household.members if m.full_name.startswith("Sam"))
    version = issue(partnership, case, sw1, tm1, {**CONTENT, "actions": MANY_ACTIONS}, [grandmother.id])
    document = partnership.get(Document, version.document_id)
    assert document.status == "ready" and document.sha256 == hashlib.sha256(document.pdf).hexdigest()
    pdf = read(document.pdf)
    root = pdf.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp  # PDF/A-3a
    assert "/OutputIntents" in root and "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"
    assert pdf.metadata.title == f"Multi-agency meeting: minutes, case {case.reference}, version 1"
    pages = [page.extract_text() for page in pdf.pages]
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert "OFFICIAL-SENSITIVE" in text and f"Case {case.reference}" in text
        assert f"Page {number} of {len(pages)}" in text
    spanned = [text for text in pages if "Action number" in text]
    assert len(spanned) >= 2 and all("Who will do it" in text for text in spanned)  # the header repeats
    whole = re.sub(r"\s+", " ", " ".join(pages))  # table cells wrap words onto lines
    for expected in ("The child's views", "Ava said she likes her new class.", "Parents' and family's views",
                     "What is working well", "Worries and risks", "Progress against each outcome", "Most nights now",
                     "Decisions", "Contingency plan", "Every two weeks", "14 April 2026", "Distribution list",
                     "Sam Demochild", "Pat Demochild", "Demo Business Support", "Action number 60",
                     "Sent apologies", "INSET day", "Demo Class Teacher", "Attended"):
        assert expected in whole, expected


def test_hostile_text_is_printed_as_text_and_embeds_nothing(partnership, held):
    case, meeting, sw1, tm1 = held
    version = issue(partnership, case, sw1, tm1, {**CONTENT, "child_views": HOSTILE, "decisions": HOSTILE})
    pdf = read(partnership.get(Document, version.document_id).pdf)
    whole = " ".join(page.extract_text() for page in pdf.pages)
    assert '<img src="file:///etc/passwd">' in re.sub(r"\s+", " ", whole)
    assert "<script>" in whole and "root:" not in whole
    root = pdf.trailer["/Root"]
    assert "/EmbeddedFiles" not in root.get("/Names", {}) and "/AF" not in root
    for page in pdf.pages:
        resources = page["/Resources"]
        assert "/XObject" not in resources or not any(
            x.get_object()["/Subtype"] == "/Image" for x in resources["/XObject"].values())


def test_the_fetcher_reads_the_static_folder_and_nothing_else():
    hostile = """<!doctype html><html lang="en-GB"><head><title>t</title>
      <link rel="stylesheet" href="pdf/record.css"></head><body>
      <img src="file:///etc/passwd"><link rel="attachment" href="file:///etc/hostname">
      <link rel="attachment" href="pdf/../../../pyproject.toml"><img src="http://127.0.0.1:9/x.png">
      <h1>Checked</h1></body></html>"""
    pdf = read(render_pdf(hostile))
    text = pdf.pages[0].extract_text()
    assert "OFFICIAL-SENSITIVE" in text and "Page 1 of 1" in text  # the static stylesheet was read
    assert "/EmbeddedFiles" not in pdf.trailer["/Root"].get("/Names", {})


def test_staff_and_invited_agencies_read_the_minutes_others_do_not(partnership, held, client):
    case, meeting, sw1, tm1 = held
    write(sw1, case, submit=False)
    partnership.commit()
    sign_in(client, "gp1", DEMO_PASSWORD)
    assert "No minutes have been issued" in client.get(f"/meetings/{meeting.id}/minutes").text  # no drafts
    write(sw1, case)
    version = approve(tm1, case)
    partnership.commit()
    page = client.get(f"/meetings/{meeting.id}/minutes")
    assert "The PDF is being prepared" in page.text
    assert render_documents(limit=100) == (1, False)
    page = client.get(f"/meetings/{meeting.id}/minutes")
    assert "Ava said she likes her new class." in page.text and "Start a correction" not in page.text
    download = client.get(f"/documents/{version.document_id}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data == partnership.get(Document, version.document_id).pdf
    assert client.get(f"/cases/{case.id}").status_code == 404  # nothing else of the case
    assert "Multi-agency meeting" in client.get("/my-meetings").text
    client.post("/sign-out", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                           client.get("/").text).group(1)})
    sign_in(client, "hv1", DEMO_PASSWORD)  # the health visiting team was not invited
    assert client.get(f"/meetings/{meeting.id}/minutes").status_code == 404
    assert client.get(f"/documents/{version.document_id}.pdf").status_code == 404
    downloads = partnership.scalars(select(AuditEvent).where(AuditEvent.action == "document.downloaded")).all()
    assert [(e.actor_label, e.detail["sha256"]) for e in downloads] == [
        ("gp1", partnership.get(Document, version.document_id).sha256)]


def test_minutes_of_a_meeting_the_agency_was_not_invited_to_are_refused(partnership, held, client):
    case, meeting, sw1, tm1 = held
    other = open_case(sw1, referral_answers(given="Bo", family="Democase"))  # no GP on this case
    start_assessment(other, sw1, tm1)
    elsewhere = convene(sw1, other, "convene_by_day_20", datetime.now(timezone.utc) + timedelta(hours=1))
    start_meeting_now(elsewhere)
    partnership.commit()
    sign_in(client, "gp1", DEMO_PASSWORD)
    assert client.get(f"/meetings/{elsewhere.id}/minutes").status_code == 404
    assert client.get(f"/meetings/{meeting.id}/minutes").status_code == 200


def test_a_family_link_works_once_issued_and_stops_when_it_expires(partnership, held, client, clock):
    case, meeting, sw1, tm1 = held
    version = issue(partnership, case, sw1, tm1)
    message = partnership.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "pat@example.org",
                                                              OutboxMessage.kind == "minutes_issued")).one()
    path = re.search(r"\{service_url\}(/minutes/\S+)", message.body_text).group(1)
    page = client.get(path)
    assert page.status_code == 200 and "Hello Pat Demochild" in page.text
    pdf = client.get(f"{path}/pdf")
    assert pdf.status_code == 200 and pdf.data == partnership.get(Document, version.document_id).pdf
    events = partnership.scalars(select(AuditEvent).where(AuditEvent.actor_label == "link: pat@example.org")).all()
    assert {e.action for e in events} == {"minutes.viewed", "document.downloaded"}
    assert client.get(path[:-3] + "abc").status_code == 410  # altered
    clock.move_to(datetime.now(timezone.utc) + timedelta(days=29))  # the default is 28 days
    expired = client.get(path)
    assert expired.status_code == 410 and "Links to minutes work for a limited time" in expired.text
    assert client.get(f"{path}/pdf").status_code == 410


def test_each_plan_written_gets_its_pdf(partnership_committed, clock):
    session = partnership_committed
    sw1, tm1 = user(session, "sw1"), user(session, "tm1")
    other = open_case(sw1, referral_answers(given="Cy", family="Democase"))
    take_to_first_review(other, sw1, tm1, "2026-03-02")
    session.commit()
    render_documents(limit=100)
    plan, = session.scalars(select(Document).where(Document.case_id == other.id, Document.kind == "cin_plan"))
    text = " ".join(p.extract_text() for p in read(plan.pdf).pages)
    assert "Child in need plan" in text and f"Case {other.reference}" in text and "OFFICIAL-SENSITIVE" in text
    assert plan.sha256 == hashlib.sha256(plan.pdf).hexdigest()


def test_a_document_that_cannot_be_rendered_is_tried_again_then_marked_failed(partnership_committed):
    session = partnership_committed
    case, meeting, sw1, tm1 = held_meeting(session)
    broken = Document(case_id=case.id, kind="minutes", source_id=999999, title="Broken",
                      created_at=datetime.now(timezone.utc))
    session.add(broken)
    session.commit()
    for attempt in range(1, 4):
        assert render_documents(limit=100) == (0, False)
        session.expire_all()
        assert session.get(Document, broken.id).attempts == attempt
    assert session.get(Document, broken.id).status == "failed"
    assert render_documents(limit=100) == (0, False)  # nothing left to try
    assert session.get(Document, broken.id).attempts == 3
