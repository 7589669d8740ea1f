"""Queueing PDF records, rendering them in the worker (never in a request) and handing them to readers.
A rendered PDF never changes: its SHA-256 is stored beside it, and every download is audited."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import or_, select

from webapp.audit.services import Origin, record_event
from webapp.references import case_reference
from webapp.columns import utc_now
from webapp.config import Settings
from webapp.database import begin_write
from webapp.documents.models import Document
from webapp.documents.rendering import RenderFailed
from webapp.errors import NotFound
from webapp.extensions import db
from webapp.monitoring.services import raise_alert

MAX_ATTEMPTS = 3
STALE_MARGIN_SECONDS = 60  # beyond the render's own timeout: building its HTML, starting the child, storing it
STALE_CLAIM = timedelta(seconds=Settings.render_timeout_seconds + STALE_MARGIN_SECONDS)  # the default timeout
NOT_FOUND = "There is no such document, or it is still being prepared."


def queue_document(case_id: int, kind: str, source_id: int, title: str, now: datetime) -> Document:
    """A PDF to render after this transaction commits; pages say "being prepared" until it is ready."""
    document = Document(case_id=case_id, kind=kind, source_id=source_id, title=title[:200], created_at=now)
    db.session.add(document)
    db.session.flush()
    return document


@dataclass(frozen=True)
class DocumentKind:
    """A kind of PDF: what pages and alerts call it, how its HTML is made from its source row and the
    partnership's name (every page's header), and who may read it (raising NotFound for anyone else, as its
    feature's own pages do)."""

    label: str
    html: Callable[[int, str], str]
    require_reader: Callable[[object, Document], None]


_kinds: dict[str, DocumentKind] = {}


def install_document_kinds(kinds: dict[str, DocumentKind]) -> None:
    """The kinds of PDF the features make (webapp/wiring.py): this package renders and stores them all."""
    _kinds.clear()
    _kinds.update(kinds)


def document_html(document: Document, partnership_name: str) -> str:
    """The HTML a document is rendered from, made by its feature's own template."""
    if document.kind not in _kinds:
        raise ValueError(f"no template for documents of kind {document.kind}")
    return _kinds[document.kind].html(document.source_id, partnership_name)


def store_pdf(document: Document, pdf: bytes, now: datetime) -> None:
    document.pdf, document.size, document.sha256 = pdf, len(pdf), hashlib.sha256(pdf).hexdigest()
    document.status, document.rendered_at, document.last_error = "ready", now, None


def stale_claim_after(render_timeout_seconds: int) -> timedelta:
    """How long a claim may stay "rendering" before its worker is taken to have died: no render runs past its
    timeout, so the timeout plus the time to build the HTML and store the PDF."""
    return timedelta(seconds=render_timeout_seconds + STALE_MARGIN_SECONDS)


def claim_queued_document(now: datetime, skip: set[int] = frozenset(), *,
                          stale_after: timedelta = STALE_CLAIM) -> int | None:
    """The oldest queued document (or one a dead worker left "rendering" longer than `stale_after`), marked as
    being rendered by this worker, its attempt counted now: a worker killed during the render (out of memory)
    still used one up. One left by a dead worker after its last attempt is marked failed instead. The caller
    commits at once, so that the long render holds no lock. `skip`: tried this pass."""
    begin_write(db.session)
    query = select(Document).where(or_(Document.status == "queued",
                                       (Document.status == "rendering") & (Document.claimed_at < now - stale_after)))
    if skip:
        query = query.where(Document.id.not_in(skip))
    query = query.order_by(Document.id).limit(1).with_for_update(skip_locked=True)
    while (document := db.session.scalar(query)) is not None:
        if document.attempts < MAX_ATTEMPTS:
            document.status, document.claimed_at, document.attempts = "rendering", now, document.attempts + 1
            return document.id
        mark_failed(document, f"the worker stopped during each of {document.attempts} attempts "
                              "(out of memory or killed)", now)
        db.session.flush()
    return None


def give_back(document_id: int, claimed_at: datetime) -> None:
    """Queue again a document whose render was stopped by the worker stopping: that attempt is not counted,
    since it was not the document's fault. Nothing changes if another worker has taken it over since."""
    document = _own_claim(document_id, claimed_at)
    if document is not None:
        document.status, document.claimed_at, document.attempts = "queued", None, max(0, document.attempts - 1)


def finish_render(document_id: int, claimed_at: datetime, pdf: bytes, now: datetime) -> bool:
    """Store the PDF, unless the claim was taken over meanwhile (this worker seemed dead): a stored PDF never
    changes. Returns whether it was stored."""
    document = _own_claim(document_id, claimed_at)
    if document is None:
        return False
    store_pdf(document, pdf, now)
    return True


def _own_claim(document_id: int, claimed_at: datetime) -> Document | None:
    begin_write(db.session)
    document = db.session.scalar(select(Document).where(Document.id == document_id).with_for_update())
    if document is None or document.status != "rendering" or document.claimed_at != claimed_at:
        return None
    return document


def fail_document(document_id: int, error: Exception, now: datetime | None = None, *,
                  claimed_at: datetime | None = None) -> None:
    """After a failed attempt (already counted at claim): queued again, or marked failed after the last one;
    with `claimed_at`, only while that claim still stands. The reason kept (and shown on the record's page) is
    the render's own for a RenderFailed, whose text never quotes the record; for any other error only its type,
    since its text might (or might be SQL)."""
    if claimed_at is None:
        begin_write(db.session)
        document = db.session.get(Document, document_id)
    elif (document := _own_claim(document_id, claimed_at)) is None:
        return
    reason = str(error) if isinstance(error, RenderFailed) else \
        f"an error in the service ({type(error).__name__}); the worker's log has the details"
    if document.attempts >= MAX_ATTEMPTS:
        mark_failed(document, reason, now or utc_now())
    else:
        document.status, document.last_error = "queued", reason[:300]


def mark_failed(document: Document, reason: str, now: datetime) -> None:
    """No more attempts: the record's page shows the reason, and the administrators are alerted (references
    only: the document's number and kind and the case's reference, never a name or the record's text)."""
    document.status, document.last_error = "failed", reason[:300]
    kind = _kinds[document.kind].label if document.kind in _kinds else document.kind
    raise_alert("document_failed", f"document:{document.id}",
                f"Document {document.id} ({kind}, case {case_reference(document.case_id)}) could not be rendered "
                f"after {document.attempts} attempts: {reason}", now)


def _may_read(actor, document: Document) -> bool:
    """Asked of the feature the document belongs to (the minutes' readers, the case's staff for a plan)."""
    try:
        _kinds[document.kind].require_reader(actor, document)
    except (NotFound, KeyError):
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
