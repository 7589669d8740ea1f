"""A subject access export: everything held about one child, as a zip, and nothing about anyone else. For each of
the child's cases: every step recorded (answers, who, when), each feature's part (SUBJECT_ACCESS_PARTS in
webapp/wiring.py: meetings with their invitees, answers, attendance and minutes, information requests and answers,
safer-sleep assessments, escalations with their stages and outcomes, the PDFs of minutes and plans), and the audit
trail of who looked at or changed the case. A sibling's cases are never included."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime

from sqlalchemy import select

from webapp.audit.models import AuditEvent
from webapp.audit.services import Origin, record_event
from webapp.auth.roles import Role
from webapp.cases.access import can_see
from webapp.cases.models import Child, StepRecord
from webapp.cases.tables import case_tables
from webapp.errors import NotFound, PermissionDenied
from webapp.extensions import db

README = """Subject access export

Everything this service holds about {name}, exported on {when} by {who}.
Each folder is one case: steps.json (every step recorded: what was entered, by whom, when), meetings.json,
information_requests.json, safer_sleep.json, escalations.json, audit.json (who looked at or changed the case, when, from where)
and documents/ (the minutes and plans as issued PDFs). Records about other children are not included.
OFFICIAL-SENSITIVE
"""


def _json(value) -> str:
    def plain(item):
        return item.isoformat() if isinstance(item, (date, datetime)) else str(item)

    return json.dumps(value, indent=2, ensure_ascii=False, default=plain) + "\n"


def export_child(actor, child_id: int, *, origin: Origin, now: datetime) -> tuple[str, bytes]:
    """(file name, zip) for a team manager or senior manager who may see every case of the child."""
    child = db.session.get(Child, child_id)
    if child is None or not child.cases or not all(can_see(actor, case) for case in child.cases):
        raise NotFound("There is no such child, or their cases are not ones you may see.")
    if not actor.has_role(Role.TEAM_MANAGER, Role.SENIOR_MANAGER):
        raise PermissionDenied("Subject access exports are made by team managers and senior managers.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(name=child.full_name, when=now.isoformat(),
                                                     who=actor.full_name))
        archive.writestr("child.json", _json({
            "given_names": child.given_names, "family_name": child.family_name, "date_of_birth": child.date_of_birth,
            "expected_delivery_on": child.expected_delivery_on, "gender": child.gender,
            "nhs_number": child.nhs_number, "address": child.household.address, "postcode": child.household.postcode,
            "cases": [case.reference for case in child.cases]}))
        for case in child.cases:
            _write_case(archive, case)
    record_event("child.subject_access_exported", actor=actor, subject=("children", child.id), origin=origin,
                 detail={"cases": [case.id for case in child.cases]})
    return f"subject-access-{child.cases[0].reference}.zip", buffer.getvalue()


def _write_case(archive: zipfile.ZipFile, case) -> None:
    folder = case.reference
    steps = db.session.scalars(select(StepRecord).where(StepRecord.case_id == case.id).order_by(StepRecord.id))
    archive.writestr(f"{folder}/steps.json", _json([
        {"step": r.step_name, "completed_by": r.completed_by.full_name, "completed_at": r.completed_at,
         "answers": r.answers} for r in steps]))
    for part in case_tables().subject_access:
        for name, content in part(case).items():
            archive.writestr(f"{folder}/{name}", content if isinstance(content, bytes) else _json(content))
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "cases",
                                                        AuditEvent.subject_id == case.id).order_by(AuditEvent.id))
    archive.writestr(f"{folder}/audit.json", _json([
        {"when": e.occurred_at, "who": e.actor_label, "what": e.action, "from": e.ip_address} for e in audit]))
