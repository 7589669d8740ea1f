"""Step hooks: what a feature adds to the generic case step of one form key, without `cases` importing it. Rows
come from webapp/wiring.py (STEP_HOOKS) at start-up; a form key with no row is a plain form."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from webapp.cases.models import Case, StepRecord


@dataclass(frozen=True)
class StepHooks:
    """Each hook is optional. Answers pass through `answers` on opening (after the draft), before the checks of
    a completion and before a correction; `refusal` gives field errors that stop a completion; `recorded` runs
    after a completion or a correction is stored (the record's current answers are the new ones)."""

    starting_answers: Callable[[Case, dict, datetime], dict] | None = None  # the form's first opening only
    answers: Callable[[Case, dict, datetime], dict] | None = None
    refusal: Callable[[Case, str, datetime], dict[str, str]] | None = None
    refusal_summary: str = "check the answers"  # what the refusal says above its field errors
    recorded: Callable[[Case, StepRecord, dict, datetime], None] | None = None


_table: dict[str, tuple[StepHooks, ...]] = {}


def install_step_hooks(table: dict[str, tuple[StepHooks, ...]]) -> None:
    _table.clear()
    _table.update(table)


def hooks_for(form_key: str | None) -> tuple[StepHooks, ...]:
    return _table.get(form_key or "", ())


def opening_answers(case: Case, form_key: str | None, draft: dict | None, now: datetime) -> dict:
    answers = dict(draft) if draft else {}
    for hooks in hooks_for(form_key):
        if hooks.starting_answers and not answers:
            answers = hooks.starting_answers(case, answers, now)
        if hooks.answers:
            answers = hooks.answers(case, answers, now)
    return answers


def completed_answers(case: Case, form_key: str | None, answers: dict, now: datetime) -> dict:
    for hooks in hooks_for(form_key):
        if hooks.answers:
            answers = hooks.answers(case, answers, now)
    return answers


def refusal(case: Case, form_key: str | None, now: datetime) -> tuple[str, dict[str, str]]:
    """(what it says, field errors) of the first hook refusing the step; ("", {}) when none does."""
    for hooks in hooks_for(form_key):
        errors = hooks.refusal(case, form_key, now) if hooks.refusal else {}
        if errors:
            return hooks.refusal_summary, errors
    return "", {}


def after_recording(case: Case, form_key: str | None, record: StepRecord, answers: dict, now: datetime) -> None:
    for hooks in hooks_for(form_key):
        if hooks.recorded:
            hooks.recorded(case, record, answers, now)
