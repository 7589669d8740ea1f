"""The documents' part of a subject access export: every issued PDF of the case (minutes and plans), as issued."""
from __future__ import annotations

from sqlalchemy import select

from webapp.documents.models import Document
from webapp.extensions import db


def documents_part(case) -> dict[str, object]:
    return {f"documents/{d.id}-{d.filename}": d.pdf for d in db.session.scalars(
        select(Document).where(Document.case_id == case.id, Document.status == "ready").order_by(Document.id))}
