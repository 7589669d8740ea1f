"""A case's open work, as the closing step sees it: actions not done, information requests not answered,
meetings booked, escalations not resolved. Table reads only (no workflow runtime), so the diagram's
count_open_work service task can use them too."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from webapp.escalations.models import Escalation
from webapp.extensions import db
from webapp.information_requests.models import InformationRequest
from webapp.meetings.models import Meeting
from webapp.minutes.models import CaseAction
from webapp.workflow.handlers import ServiceCall


@dataclass
class OpenWork:
    actions: list[CaseAction] = field(default_factory=list)
    requests: list[InformationRequest] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)

    @property
    def keys(self) -> set[str]:
        """One key per item ("action-3", "request-5", ...): the page names its fields by them, and a
        submission knows from them what was shown."""
        return ({f"action-{a.id}" for a in self.actions} | {f"request-{r.id}" for r in self.requests}
                | {f"meeting-{m.id}" for m in self.meetings} | {f"escalation-{e.id}" for e in self.escalations})

    def __len__(self) -> int:
        return len(self.actions) + len(self.requests) + len(self.meetings) + len(self.escalations)


def open_work(case_id: int, now: datetime) -> OpenWork:
    """Everything still open on the case, each kind in the order its own page lists it."""
    actions = db.session.scalars(select(CaseAction).where(
        CaseAction.case_id == case_id, CaseAction.done_at.is_(None), CaseAction.replaced_at.is_(None),
        CaseAction.disposition.is_(None)).order_by(CaseAction.due_on, CaseAction.id)).all()
    requests = db.session.scalars(select(InformationRequest).where(
        InformationRequest.case_id == case_id, InformationRequest.answered_at.is_(None),
        InformationRequest.withdrawn_at.is_(None)).order_by(InformationRequest.requested_at,
                                                            InformationRequest.id)).all()
    meetings = db.session.scalars(select(Meeting).where(
        Meeting.case_id == case_id, Meeting.status == "planned", Meeting.starts_at > now)
        .order_by(Meeting.starts_at, Meeting.id)).all()
    escalations = db.session.scalars(select(Escalation).where(
        Escalation.case_id == case_id, Escalation.status == "open").order_by(Escalation.raised_at,
                                                                             Escalation.id)).all()
    return OpenWork(list(actions), list(requests), list(meetings), list(escalations))


def count_open_work(call: ServiceCall) -> dict:
    """Service task: how many items are open, so the diagram shows the closing step only when there are some."""
    return {"open_work_count": len(open_work(call.subject_id, call.now))}
