"""Concerns flagged on a case (professional curiosity): a concern answered "yes" at referral or at assessment stays in
view on every later step, on every meeting's agenda and in the minutes, with what was said about it, so no later
step loses it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select

from webapp.cases.models import StepRecord
from webapp.cases.step_hooks import StepHooks
from webapp.extensions import db
from webapp.workflow.contract import DiagramNeeds

FLAGS = {
    "parental_substance_use": "Parental alcohol or substance use",
    "domestic_abuse": "Domestic abuse",
    "parental_conflict": "Conflict between the parents",
    "parental_mental_health": "A parent's mental health",
}
# The follow-ups to a "yes", as `<concern>_<suffix>`; `_details` holds the pattern (the key older records used).
FOLLOW_UPS = {"frequency": "how often", "impact": "impact on the child", "child_says": "the child says"}
ANSWERS = {"yes": "yes", "no": "answered no", "not_known": "answered not known"}
# Where the concerns are asked; the assessment's rework step uses the same form, and the latest one counts.
NEEDS = DiagramNeeds(__name__)
SOURCES = (("At referral", (NEEDS.element("section17", "record_referral", "concerns flagged at referral"),)),
           ("At assessment", tuple(NEEDS.element("section17", step, "concerns flagged at assessment")
                                   for step in ("assessment", "assessment_rework"))))


@dataclass(frozen=True)
class Flag:
    label: str
    details: str = ""

    def __str__(self) -> str:
        return f"{self.label}: {self.details}" if self.details else self.label


def concern_flags(case_id: int) -> list[Flag]:
    """The concerns answered "yes" on the case's referral or latest assessment (as corrected), each with every
    account of it, immediate protection first."""
    accounts = [(source, _latest_answers(case_id, steps)) for source, steps in SOURCES]
    flags = [Flag(label, " ".join(_account(source, answers, key) for source, answers in accounts if key in answers))
             for key, label in FLAGS.items() if any(answers.get(key) == "yes" for _, answers in accounts)]
    if accounts[0][1].get("immediate_protection_needed"):
        flags.insert(0, Flag("Immediate protection was needed at referral"))
    return flags + [flag for source in _feature_sources for flag in source(case_id)]


# Features that raise flags of their own (safer sleep's risks), from webapp/wiring.py (FLAG_SOURCES).
_feature_sources: list[Callable[[int], list[Flag]]] = []


def install_flag_sources(sources: tuple[Callable[[int], list[Flag]], ...]) -> None:
    _feature_sources[:] = sources


def _latest_answers(case_id: int, bpmn_ids: tuple[str, ...]) -> dict:
    record = db.session.scalar(select(StepRecord).where(StepRecord.case_id == case_id,
                                                        StepRecord.bpmn_id.in_(bpmn_ids))
                               .order_by(StepRecord.completed_at.desc(), StepRecord.id.desc()).limit(1))
    return record.current_answers if record is not None else {}


def _account(source: str, answers: dict, key: str) -> str:
    """One step's account of a concern, as a sentence: the pattern, then each follow-up answered."""
    if answers[key] != "yes":
        return f"{source} — {ANSWERS.get(answers[key], answers[key])}."
    parts = [_text(answers, f"{key}_details")] + [f"{title}: {_text(answers, f'{key}_{suffix}')}"
                                                  for suffix, title in FOLLOW_UPS.items()
                                                  if _text(answers, f"{key}_{suffix}")]
    text = "; ".join(part for part in parts if part) or ANSWERS["yes"]
    return f"{source} — {text}" + ("" if text.endswith((".", "!", "?", '"', "'", "”", "’", ")")) else ".")


def _text(answers: dict, key: str) -> str:
    return str(answers.get(key) or "").strip()


ASSESSMENT_FORM = NEEDS.form("section17", "assessment", "the assessment's concern questions start from the referral")


def concerns_from_referral(case, answers: dict, now) -> dict:
    """The assessment, first opened, starts from the referral's answers to the concern questions and their
    follow-ups (the worker changes what the assessment found; the referral's record keeps what it said)."""
    referral = _latest_answers(case.id, SOURCES[0][1])
    keys = [key for concern in FLAGS for key in (concern, *(f"{concern}_{suffix}" for suffix in
                                                            ("details", *FOLLOW_UPS)))]
    return {key: referral[key] for key in keys if referral.get(key) not in (None, "")}


ASSESSMENT_HOOKS = StepHooks(starting_answers=concerns_from_referral)
