"""Information requests: what the social worker asks an involved agency, and what the agency answers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.columns import UTCDateTime, utc_now
from webapp.extensions import db
from webapp.workflow.contract import DiagramNeeds
from webapp.workflow.dues import Due, timer_due

INFORMATION, SAFER_SLEEP = "information", "safer_sleep"  # what is asked: what the agency knows, or an assessment
# The diagram's timers: the answer's due date (the chaser fires then), and when the team manager is told.
NEEDS = DiagramNeeds(__name__)
ANSWER_TIMER = NEEDS.element("information_request", "answer_due", "the request's due date")
ESCALATION_TIMER = NEEDS.element("information_request", "escalation_due", "when a chased request is escalated")


class InformationRequest(db.Model):
    __tablename__ = "information_requests"
    __table_args__ = (Index("ix_information_requests_agency_open", "agency_id", "answered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    addressed_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # none: the agency's inbox
    kind: Mapped[str] = mapped_column(String(20), default=INFORMATION, server_default=INFORMATION)
    question: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    workflow_instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"))
    chased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer: Mapped[dict | None] = mapped_column(JSON)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the case closed without the answer
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    case: Mapped["Case"] = relationship()  # noqa: F821
    agency: Mapped["Agency"] = relationship()  # noqa: F821
    addressed_to: Mapped["User | None"] = relationship(foreign_keys=[addressed_to_id])  # noqa: F821
    requested_by: Mapped["User"] = relationship(foreign_keys=[requested_by_id])  # noqa: F821
    answered_by: Mapped["User | None"] = relationship(foreign_keys=[answered_by_id])  # noqa: F821

    @property
    def due(self) -> Due | None:
        """When the answer is due, as the request's timer has it (every re-arm moves it); lists use `dues`."""
        return timer_due(self.workflow_instance_id, ANSWER_TIMER)

    def is_overdue(self, due: Due | None, now: datetime) -> bool:
        return self.answered_at is None and self.withdrawn_at is None and due is not None and due.passed(now)

    @property
    def status(self) -> str:
        if self.answered_at:
            return "Answered"
        if self.withdrawn_at:
            return "Withdrawn"
        if self.escalated_at:
            return "Escalated to the team manager"
        if self.chased_at:
            return "Chased"
        return "Awaiting an answer"
