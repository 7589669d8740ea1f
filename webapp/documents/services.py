"""Queueing PDF records, rendering them in the worker (never in a request) and handing them to readers.
A rendered PDF never changes: its SHA-256 is stored beside it, and every download is audited."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from webapp.audit.services import Origin, record_event
from webapp.database import begin_write
from webapp.documents.models import Document
from webapp.errors import NotFound
from webapp.extensions import db

MAX_ATTEMPTS = 3
STALE_CLAIM = timedelta(minutes=10)  # a render takes about a second; longer means its worker stopped
NOT_FOUND = "There is no such document, or it is still being prepared."


def queue_document(case_id: int, kind: str, source_id: int, title: str, now: datetime) -> Document:
    """A PDF to render after this transaction commits; pages say "being prepared" until it is ready."""
    document = Document(case_id=case_id, kind=kind, source_id=source_id, title=title[:200], created_at=now)
    db.session.add(document)
    db.session.flush()
    return document


def plan_documents(case_id: int) -> list[Document]:
    """The PDFs of a case's plans, newest first."""
    return list(db.session.scalars(select(Document).where(Document.case_id == case_id, Document.kind == "cin_plan")
                                   .order_by(Document.id.desc())))


def document_html(document: Document) -> str:
    """The HTML a document is rendered from, made by its domain's own template."""
    if document.kind == "minutes":
        from webapp.minutes.documents import minutes_html

        return minutes_html(document.source_id)
    if document.kind == "cin_plan":
        from webapp.cases.plan_document import plan_html

        return plan_html(document.source_id)
    raise ValueError(f"no template for documents of kind {document.kind}")


def store_pdf(document: Document, pdf: bytes, now: datetime) -> None:
    document.pdf, document.size, document.sha256 = pdf, len(pdf), hashlib.sha256(pdf).hexdigest()
    document.status, document.rendered_at, document.last_error = "ready", now, None


def claim_queued_document(now: datetime, skip: set[int] = frozenset()) -> int | None:
    """The oldest queued document (or one a stopped worker left half-done), marked as being rendered by this
    worker; the caller commits at once, so that the long render holds no lock. `skip`: tried this pass."""
    begin_write(db.session)
    query = select(Document).where(or_(Document.status == "queued",
                                       (Document.status == "rendering") & (Document.claimed_at < now - STALE_CLAIM)))
    if skip:
        query = query.where(Document.id.not_in(skip))
    document = db.session.scalar(query.order_by(Document.id).limit(1).with_for_update(skip_locked=True))
    if document is None:
        return None
    document.status, document.claimed_at = "rendering", now
    return document.id


def fail_document(document_id: int, error: Exception) -> None:
    """Count a failed attempt: queued again, or marked failed after the last one (shown on its page)."""
    begin_write(db.session)
    document = db.session.get(Document, document_id)
    document.attempts += 1
    document.last_error = f"{type(error).__name__}: {error}"[:300]
    document.status = "failed" if document.attempts >= MAX_ATTEMPTS else "queued"


def _may_read(actor, document: Document) -> bool:
    """Asked of the domain the document belongs to: the minutes' readers, or the case's staff for a plan."""
    try:
        if document.kind == "minutes":
            from webapp.minutes.access import require_minutes_reader

            require_minutes_reader(actor, document.source_id)
        else:
            from webapp.cases.access import get_visible_case

            get_visible_case(actor, document.case_id)
    except NotFound:
        return False
    return True


def downloadable(actor, document_id: int, *, origin: Origin) -> Document:
    """A ready PDF the actor may read (checked by the domain it belongs to); the download is audited. A missing
    document and one the actor may not read get the same refusal, word for word, so that no id gives itself away."""
    document = db.session.get(Document, document_id)
    if document is None or not _may_read(actor, document) or document.status != "ready":
        raise NotFound(NOT_FOUND)
    record_event("document.downloaded", actor=actor, subject=("cases", document.case_id), origin=origin,
                 detail={"document_id": document.id, "kind": document.kind, "sha256": document.sha256})
    return document
