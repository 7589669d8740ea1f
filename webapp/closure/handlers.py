"""What the Section 17 diagram asks of closing a case: count its open work, and ask for a debrief when it closes
after a serious incident."""
from __future__ import annotations

from webapp.audit.services import record_event
from webapp.cases.models import Case
from webapp.closure.debrief import debrief_people
from webapp.closure.notices import debrief_message
from webapp.closure.open_work import open_work
from webapp.extensions import db
from webapp.mail.services import queue_message
from webapp.workflow.handlers import ServiceCall


def count_open_work(call: ServiceCall) -> dict:
    """Service task: how many items are open, so the diagram shows the closing step only when there are some."""
    return {"open_work_count": len(open_work(call.subject_id, call.now))}


def request_debrief(call: ServiceCall) -> None:
    """The case closed after a serious incident: tell its team managers the debrief is theirs to hold, and the
    practitioners involved that one will be arranged. The case reference only: no name, no concern."""
    case = db.session.get(Case, call.subject_id)
    people = [person for person in debrief_people(case) if person.email]
    for person in people:
        subject, body = debrief_message(person.is_manager, case.reference)
        queue_message("debrief_request", person.email, subject, body, case_id=case.id)
    record_event("case.debrief_requested", actor_label="workflow", subject=case, detail={"recipients": len(people)})
