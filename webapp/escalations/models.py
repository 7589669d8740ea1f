"""Professional resolution: an escalation of a disagreement about a child's case, stage by stage, with who holds
each side, what was discussed and agreed, and the outcome statement placed on the case record at the end."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.columns import UTCDateTime, utc_now
from webapp.extensions import db
from webapp.workflow.dues import timer_due

CATEGORIES = {
    "threshold": "Threshold or referral decision", "assessment_outcome": "Assessment outcome",
    "action_or_inaction": "Action or inaction", "roles": "Roles and responsibilities",
    "information_sharing": "Information sharing", "service_provision": "Service provision",
    "timeliness": "Timeliness", "plan_progress": "Plan progress",
}
STAGES = {1: "Stage 1: practitioner to practitioner", 2: "Stage 2: line managers or designated safeguarding leads",
          3: "Stage 3: senior managers", 4: "Stage 4: the partnership's independent chair"}
FINAL_STAGE = 4
STAGE_OUTCOMES = {"resolved": "Resolved", "escalated": "Not resolved: taken to the next stage",
                  "deadline_passed": "Deadline passed: moved to the next stage",
                  "disagreed": "Outcome statement not agreed by the side that raised it: taken to the next stage",
                  "not_confirmed": "Outcome statement not confirmed by the deadline: moved to the next stage"}


def stage_timer(number: int) -> str:
    """The diagram's deadline timer of a stage."""
    return f"stage_{number}_deadline"


def confirmation_timer(number: int) -> str:
    """The diagram's deadline timer of a stage's "Confirm the agreed outcome" step (the same stage deadline,
    armed again when the case's side writes the statement)."""
    return f"confirm_outcome_{number}_deadline"


class Escalation(db.Model):
    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_status_stage", "status", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)  # the raiser's agency
    about: Mapped[str] = mapped_column(String(200))  # what is challenged, as the raiser chose it
    category: Mapped[str] = mapped_column(String(40))  # a key of CATEGORIES
    description: Mapped[str] = mapped_column(Text)
    risk_now: Mapped[str] = mapped_column(Text)
    outcome_sought: Mapped[str] = mapped_column(Text)
    stage: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | resolved
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome_statement: Mapped[str | None] = mapped_column(Text)  # agreed, placed on the case record
    workflow_instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"))

    case: Mapped["Case"] = relationship()  # noqa: F821
    raised_by: Mapped["User"] = relationship(foreign_keys=[raised_by_id])  # noqa: F821
    resolved_by: Mapped["User | None"] = relationship(foreign_keys=[resolved_by_id])  # noqa: F821
    agency: Mapped["Agency | None"] = relationship()  # noqa: F821
    stages: Mapped[list[EscalationStage]] = relationship(back_populates="escalation",
                                                         order_by="EscalationStage.number")
    entries: Mapped[list[EscalationEntry]] = relationship(order_by="EscalationEntry.id")

    @property
    def category_label(self) -> str:
        return CATEGORIES[self.category]

    @property
    def current_stage(self) -> EscalationStage | None:
        return next((s for s in reversed(self.stages) if s.closed_at is None), None)


class EscalationStage(db.Model):
    """One stage: who holds it on the raiser's side and on the case's side, its deadline and how it ended."""

    __tablename__ = "escalation_stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    number: Mapped[int]
    raiser_holder_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    responder_holder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Kept for stages opened before the timers' rows existed: the deadline is the stage timer's (`due`).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(20))  # a key of STAGE_OUTCOMES
    # The outcome statement the case's side wrote; agreed (and on the child's record) only once the raiser's
    # side confirms it, when it becomes the escalation's outcome_statement.
    proposed_statement: Mapped[str | None] = mapped_column(Text)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    escalation: Mapped[Escalation] = relationship(back_populates="stages")
    proposed_by: Mapped["User | None"] = relationship(foreign_keys=[proposed_by_id])  # noqa: F821
    raiser_holder: Mapped["User"] = relationship(foreign_keys=[raiser_holder_id])  # noqa: F821
    responder_holder: Mapped["User | None"] = relationship(foreign_keys=[responder_holder_id])  # noqa: F821

    @property
    def label(self) -> str:
        return STAGES[self.number]

    @property
    def due(self) -> datetime | None:
        """The stage's deadline as its timer has it, moved by every re-arm (none at stage 4: the chair decides)."""
        if self.number == FINAL_STAGE:
            return None
        timer = confirmation_timer(self.number) if self.awaiting_confirmation else stage_timer(self.number)
        found = timer_due(self.escalation.workflow_instance_id, timer)
        return found.at if found is not None else self.due_at

    @property
    def awaiting_confirmation(self) -> bool:
        return self.closed_at is None and self.proposed_statement is not None

    @property
    def outcome_label(self) -> str:
        if self.awaiting_confirmation:
            return "Outcome statement written: waiting for the side that raised it to confirm it"
        return STAGE_OUTCOMES.get(self.outcome or "", "Open")


class EscalationEntry(db.Model):
    """What a holder recorded: the discussion, and actions agreed (who, by when). Both sides see every entry."""

    __tablename__ = "escalation_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    stage_number: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    discussion: Mapped[str] = mapped_column(Text)
    actions: Mapped[list] = mapped_column(JSON, default=list)

    author: Mapped["User"] = relationship()  # noqa: F821
