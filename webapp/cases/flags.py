"""Concerns flagged on a case (professional curiosity): a concern answered "yes" at referral stays in view on every
later step, on every meeting's agenda and in the minutes, with what was said about it, so no later step loses it."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from webapp.cases.models import StepRecord
from webapp.extensions import db

FLAGS = {
    "parental_substance_use": "Parental alcohol or substance use",
    "domestic_abuse": "Domestic abuse",
    "parental_conflict": "Conflict between the parents",
    "parental_mental_health": "A parent's mental health",
}


@dataclass(frozen=True)
class Flag:
    label: str
    details: str = ""

    def __str__(self) -> str:
        return f"{self.label}: {self.details}" if self.details else self.label


def concern_flags(case_id: int) -> list[Flag]:
    """The concerns flagged on the case's referral (as corrected), immediate protection first."""
    referral = db.session.scalar(select(StepRecord).where(StepRecord.case_id == case_id,
                                                          StepRecord.bpmn_id == "record_referral").limit(1))
    if referral is None:
        return []
    answers = referral.current_answers
    flags = [Flag(label, str(answers.get(f"{key}_details") or "").strip())
             for key, label in FLAGS.items() if answers.get(key) == "yes"]
    if answers.get("immediate_protection_needed"):
        flags.insert(0, Flag("Immediate protection was needed at referral"))
    return flags
