"""The HTML a child in need plan's PDF is rendered from (templates/pdf/cin_plan.html), from the plan step's record,
and the case's plan PDFs."""
from __future__ import annotations

from sqlalchemy import select

from webapp.agencies.identification import patient_identification
from webapp.agencies.models import Agency
from webapp.cases.access import get_visible_case
from webapp.cases.models import Case, StepRecord
from webapp.documents.models import Document
from webapp.documents.rendering import record_html, version_label
from webapp.extensions import db

PLAN_DOCUMENT = "cin_plan"  # the document kind of a plan's PDF
VISITING = {"weekly": "Every week", "fortnightly": "Every two weeks", "every_four_weeks": "Every four weeks"}


def plan_html(record_id: int, partnership_name: str) -> str:
    record = db.session.get(StepRecord, record_id)
    case = db.session.get(Case, record.case_id)
    return record_html(
        "pdf/cin_plan.html", record=record, plan=record.current_answers, case=case,
        identification=patient_identification(case.child),
        agencies={a.id: a.name for a in db.session.scalars(select(Agency))},
        visiting=VISITING.get(record.current_answers.get("visiting_frequency"), "Not recorded"),
        document_title=f"Child in need plan, case {case.reference}",
        description=f"Child in need plan for case {case.reference}",
        version_label=version_label(len(record.corrections) + 1),
        partnership_name=partnership_name,
        created=record.completed_at.isoformat())


def plan_documents(case_id: int) -> list[Document]:
    """The PDFs of a case's plans, newest first."""
    return list(db.session.scalars(select(Document).where(Document.case_id == case_id, Document.kind == PLAN_DOCUMENT)
                                   .order_by(Document.id.desc())))


def require_plan_reader(actor, document: Document) -> None:
    """A plan's PDF is for those who may see its case."""
    get_visible_case(actor, document.case_id)
