"""How the audit trail names cases and children (webapp/audit/records.py; wired in webapp/wiring.py): by the
case reference, never the child's name."""
from __future__ import annotations

from typing import Collection

from sqlalchemy import select

from webapp.cases.models import Case
from webapp.extensions import db
from webapp.references import case_reference


def name_cases(ids: Collection[int]) -> dict[int, str]:
    """"Case CIN-000012" (no query: the reference is the id)."""
    return {case_id: f"Case {case_reference(case_id)}" for case_id in ids}


def name_children(ids: Collection[int]) -> dict[int, str]:
    """"Child on case CIN-000012" (or on several)."""
    cases: dict[int, list[str]] = {}
    for child_id, case_id in db.session.execute(select(Case.child_id, Case.id).where(Case.child_id.in_(ids))
                                                .order_by(Case.id)):
        cases.setdefault(child_id, []).append(case_reference(case_id))
    return {child_id: f"Child on case{'s' if len(refs) > 1 else ''} {', '.join(refs)}"
            for child_id, refs in cases.items()}
