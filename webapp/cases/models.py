"""Children, their households, cases, the agencies involved, and the record of every completed step."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.columns import UTCDateTime, utc_now
from webapp.extensions import db
from webapp.references import case_reference


class Stage(str, enum.Enum):
    REFERRAL = "referral"
    ASSESSMENT = "assessment"
    CIN_PLAN = "cin_plan"
    CLOSED = "closed"
    CHILD_PROTECTION = "child_protection"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    Stage.REFERRAL: "Referral",
    Stage.ASSESSMENT: "Section 17 assessment",
    Stage.CIN_PLAN: "Child in need plan",
    Stage.CLOSED: "Closed",
    Stage.CHILD_PROTECTION: "Handed to child protection",
}


class Household(db.Model):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    children: Mapped[list[Child]] = relationship(back_populates="household", order_by="Child.id")
    members: Mapped[list[HouseholdMember]] = relationship(back_populates="household", order_by="HouseholdMember.id")


class Child(db.Model):
    __tablename__ = "children"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    given_names: Mapped[str] = mapped_column(String(120))
    family_name: Mapped[str] = mapped_column(String(120), index=True)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    expected_delivery_on: Mapped[date | None] = mapped_column(Date)  # an unborn child
    gender: Mapped[str] = mapped_column(String(40), default="")
    # Ten digits, check digit valid, when the referral gave one: GP practices match patients on it.
    nhs_number: Mapped[str | None] = mapped_column(String(10))
    # Coded for the statutory returns (webapp/cases/census_fields.py; codes in workflows/code_lists/); None is
    # "not recorded". Sex as the census codes it (M, F, U); disabilities a list of codes ("NONE" alone for none).
    sex: Mapped[str | None] = mapped_column(String(1))
    ethnicity: Mapped[str | None] = mapped_column(String(4))
    disabilities: Mapped[list | None] = mapped_column(JSON)
    upn: Mapped[str | None] = mapped_column(String(13))
    upn_unknown: Mapped[str | None] = mapped_column(String(3))
    died_on: Mapped[date | None] = mapped_column(Date)

    household: Mapped[Household] = relationship(back_populates="children")
    cases: Mapped[list[Case]] = relationship(back_populates="child", order_by="Case.id")

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}".strip()


class HouseholdMember(db.Model):
    """An adult or other person in the child's household, or a regular visitor."""

    __tablename__ = "household_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(160))
    relationship_to_child: Mapped[str] = mapped_column(String(80), default="")
    has_parental_responsibility: Mapped[bool] = mapped_column(default=False)
    is_regular_visitor: Mapped[bool] = mapped_column(default=False)
    email: Mapped[str | None] = mapped_column(String(254))

    household: Mapped[Household] = relationship(back_populates="members")


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_team_stage", "team_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    allocated_worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    stage: Mapped[str] = mapped_column(String(32), default=Stage.REFERRAL.value)
    workflow_instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # An agency practitioner who made the referral online follows it ("Referrals I made") and may challenge it.
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # What the front door decided the contact was (webapp/cases/contacts.py): None until decided; the Children in
    # Need census counts only referrals, Annex A lists contacts too. "not_recorded" for cases decided before it was.
    front_door_outcome: Mapped[str | None] = mapped_column(String(20), index=True)
    referral_source: Mapped[str | None] = mapped_column(String(3))  # the census code (1A ... 10); None: not recorded
    closure_reason: Mapped[str | None] = mapped_column(String(3))  # the census code (RC1 ... RC9) of the closing decision

    child: Mapped[Child] = relationship(back_populates="cases")
    team: Mapped["Team"] = relationship()  # noqa: F821
    allocated_worker: Mapped["User | None"] = relationship(foreign_keys=[allocated_worker_id])  # noqa: F821
    agencies: Mapped[list[CaseAgency]] = relationship(order_by="CaseAgency.id")

    @property
    def reference(self) -> str:
        return case_reference(self.id)

    @property
    def stage_label(self) -> str:
        return Stage(self.stage).label


class CaseAgency(db.Model):
    """The agencies-involved register of a case: every one of them is told when work opens and closes."""

    __tablename__ = "case_agencies"
    __table_args__ = (UniqueConstraint("case_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    agency: Mapped["Agency"] = relationship()  # noqa: F821


class StepRecord(db.Model):
    """What was entered at a completed step, by whom and when: the case history. Never changed: a correction is
    a new version (StepCorrection) with a reason, and the history shows both."""

    __tablename__ = "step_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    bpmn_id: Mapped[str] = mapped_column(String(120))
    step_name: Mapped[str] = mapped_column(String(200))
    form_key: Mapped[str | None] = mapped_column(String(120))
    answers: Mapped[dict] = mapped_column(JSON)
    completed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    completed_by: Mapped["User"] = relationship()  # noqa: F821
    corrections: Mapped[list["StepCorrection"]] = relationship(order_by="StepCorrection.id")

    @property
    def current_answers(self) -> dict:
        """The answers as last corrected (the original when never corrected)."""
        return self.corrections[-1].answers if self.corrections else self.answers


class StepCorrection(db.Model):
    """A corrected version of a completed step's answers: who corrected it, when and why."""

    __tablename__ = "step_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    step_record_id: Mapped[int] = mapped_column(ForeignKey("step_records.id"), index=True)
    answers: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    corrected_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    corrected_by: Mapped["User"] = relationship()  # noqa: F821


class StepDraft(db.Model):
    """Answers saved part-way through a long form, per person and step, until the step is completed."""

    __tablename__ = "step_drafts"
    __table_args__ = (UniqueConstraint("draft_key", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The step's task id, or "new-referral" for a referral not yet submitted (it has no case or task yet).
    draft_key: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    answers: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
