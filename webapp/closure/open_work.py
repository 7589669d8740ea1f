"""A case's open work, as the closing step sees it: actions not done, information requests not answered,
meetings booked, escalations not resolved, each read through its feature's service module. Table reads only (no
workflow runtime), so the diagram's count_open_work service task can use them too."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from webapp.escalations.services import open_on_case as open_escalations
from webapp.information_requests.services import unanswered_on_case
from webapp.meetings.services import booked_on_case
from webapp.minutes.services import open_actions


@dataclass
class OpenWork:
    actions: list = field(default_factory=list)  # minutes' CaseAction rows
    requests: list = field(default_factory=list)  # InformationRequest rows
    meetings: list = field(default_factory=list)  # Meeting rows
    escalations: list = field(default_factory=list)  # Escalation rows

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
    return OpenWork(open_actions(case_id, set_by=None), unanswered_on_case(case_id), booked_on_case(case_id, now),
                    open_escalations(case_id))
