"""The worker's share of documents: render queued PDFs, each claimed in its own short transaction and rendered in
a child process bounded in time and memory (documents/rendering.py), with no transaction open meanwhile.
Every attempt counts from its claim, so a render that kills its worker (out of memory) is not retried for ever:
after the last attempt the document is marked failed and the administrators are alerted."""
from __future__ import annotations

import logging
import threading
from typing import Callable

from webapp.columns import utc_now
from webapp.config import Settings
from webapp.documents.models import Document
from webapp.documents.rendering import RenderFailed, RenderInterrupted, render_bounded
from webapp.documents.services import (
    claim_queued_document, document_html, fail_document, finish_render, give_back, stale_claim_after,
)
from webapp.extensions import db

log = logging.getLogger(__name__)


def render_queued(settings: Settings, *, limit: int = 1, stop: threading.Event | None = None,
                  meanwhile: Callable[[], None] | None = None) -> tuple[int, bool]:
    """Render up to `limit` queued PDFs; returns (rendered, whether more may be waiting). When `stop` is set
    (SIGTERM) during a render, the render is killed and its document given back uncounted, and this returns.
    `meanwhile` is called every so often while a render runs (with no transaction open)."""
    db.session.rollback()
    stale_after = stale_claim_after(settings.render_timeout_seconds)
    rendered, tried = 0, set()
    while len(tried) < limit:
        if stop is not None and stop.is_set():
            return rendered, True
        claimed_at = utc_now()
        document_id = claim_queued_document(claimed_at, tried, stale_after=stale_after)
        db.session.commit()  # the attempt is counted before the render: a worker killed by it still used one
        if document_id is None:
            return rendered, False
        tried.add(document_id)  # a failure is tried again on a later pass, not at once
        try:
            html = document_html(db.session.get(Document, document_id), settings.partnership_name)
            db.session.rollback()  # the render holds no transaction
            pdf = render_bounded(html, timeout_seconds=settings.render_timeout_seconds,
                                 memory_mb=settings.render_memory_mb, stop=stop, meanwhile=meanwhile)
        except RenderInterrupted as interruption:
            db.session.rollback()
            log.info("Document %s was given back unrendered: %s", document_id, interruption)
            give_back(document_id, claimed_at)
            db.session.commit()
            return rendered, True
        except Exception as error:
            db.session.rollback()
            if isinstance(error, RenderFailed):
                log.warning("Document %s could not be rendered: %s", document_id, error)
            else:
                log.exception("Document %s could not be rendered", document_id)
            fail_document(document_id, error, utc_now(), claimed_at=claimed_at)
            db.session.commit()
            continue
        if finish_render(document_id, claimed_at, pdf, utc_now()):
            rendered += 1
        else:
            log.warning("Document %s was taken over by another worker while this one rendered it; this PDF is "
                        "dropped", document_id)
        db.session.commit()
    return rendered, True
