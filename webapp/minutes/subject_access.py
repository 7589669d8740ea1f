"""The meetings' part of a subject access export: each meeting of the case with its invitees, their answers and
attendance, and its readable minutes."""
from __future__ import annotations

from sqlalchemy import select

from webapp.cases.models import Case
from webapp.extensions import db
from webapp.meetings.services import meetings_on_case
from webapp.minutes.models import MinutesVersion


def meetings_part(case: Case) -> dict[str, object]:
    return {"meetings.json": [{
        "kind": m.kind_label, "starts_at": m.starts_at, "ends_at": m.ends_at, "location": m.location,
        "status": m.status,
        "invitees": [{"name": i.name, "role": i.role_label, "answer": i.answer_label, "comment": i.answer_comment,
                      "attendance": i.attendance, "note": i.attendance_note} for i in m.invitees],
        "minutes": [{"version": v.number, "status": v.status, "issued_at": v.issued_at, "content": v.content,
                     "correction_reason": v.correction_reason}
                    for v in db.session.scalars(select(MinutesVersion).where(MinutesVersion.meeting_id == m.id))
                    if v.readable],
    } for m in sorted(meetings_on_case(case.id), key=lambda m: m.id)]}
