"""How the audit trail names process versions and running processes (webapp/audit/records.py; wired in
webapp/wiring.py)."""
from __future__ import annotations

from typing import Collection

from sqlalchemy import select

from webapp.columns import LONDON
from webapp.extensions import db
from webapp.references import case_reference
from webapp.workflow.models import WorkflowInstance, WorkflowVersion


def name_versions(ids: Collection[int]) -> dict[int, str]:
    """"Section 17, the version of 3 December 2026"."""
    return {row.id: f"{row.process_name}, the version of {row.deployed_at.astimezone(LONDON):%-d %B %Y}"
            for row in db.session.execute(select(WorkflowVersion.id, WorkflowVersion.process_name,
                                                 WorkflowVersion.deployed_at).where(WorkflowVersion.id.in_(ids)))}


def name_instances(ids: Collection[int]) -> dict[int, str]:
    """"Section 17 for case CIN-000012"; a process about something else names only the process."""
    rows = db.session.execute(select(WorkflowInstance.id, WorkflowInstance.subject_type, WorkflowInstance.subject_id,
                                     WorkflowVersion.process_name)
                              .join(WorkflowVersion, WorkflowVersion.id == WorkflowInstance.version_id)
                              .where(WorkflowInstance.id.in_(ids)))
    return {row.id: row.process_name + (f" for case {case_reference(row.subject_id)}" if row.subject_type == "cases"
                                        else "") for row in rows}
