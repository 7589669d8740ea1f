"""Doing a case's steps: open the step's form, keep a draft, complete it and keep what was entered."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from webapp.audit.services import Origin, record_event
from webapp.auth.roles import Role
from webapp.cases import step_hooks
from webapp.cases.access import get_visible_case, require_task
from webapp.cases.choices import check_choices, choice_provider
from webapp.cases.models import Case, StepCorrection, StepDraft, StepRecord
from webapp.cases.tables import case_tables
from webapp.errors import InvalidInput, NotFound, PermissionDenied
from webapp.extensions import db
from webapp.workflow import runtime
from webapp.workflow.forms import form_validator, validate_submission, workflow_fields
from webapp.workflow.models import OpenTask


def done_on_own_page(form_key: str | None) -> bool:
    """A step a feature does on a page of its own (convening, minutes, the closing check: STEP_PAGES in
    webapp/wiring.py), not on the generic step form."""
    return (form_key or "") in case_tables().step_pages


@dataclass
class Step:
    case: Case
    task: OpenTask
    schema: dict
    draft: StepDraft | None


def _open_task(case: Case, task_id: str) -> OpenTask:
    task = db.session.scalar(select(OpenTask).where(OpenTask.task_id == task_id, OpenTask.subject_type == "cases",
                                                    OpenTask.subject_id == case.id))
    if task is None:
        if db.session.scalar(select(StepRecord.id).where(StepRecord.task_id == task_id, StepRecord.case_id == case.id)):
            raise runtime.explain_missing_task(task_id)
        raise NotFound("This step is not open on this case.")
    return task


def open_step(actor, case_id: int, task_id: str, *, origin: Origin, audit: bool = True) -> Step:
    """A step the actor may do, with its form and the actor's draft; viewing it is audited (except a step with
    a page of its own: the step link only leads there, and that page audits the look)."""
    case = get_visible_case(actor, case_id)
    task = _open_task(case, task_id)
    require_task(actor, case, task)
    draft = db.session.scalar(select(StepDraft).where(StepDraft.draft_key == task_id, StepDraft.user_id == actor.id))
    if audit and not done_on_own_page(task.form_key):
        record_event("case.step_viewed", actor=actor, subject=case, origin=origin, detail={"step": task.bpmn_id})
    return Step(case, task, runtime.step_form(task.instance_id, task.form_key), draft)


def starting_answers(step: Step, *, now: datetime) -> dict:
    """What the step's form opens with: the actor's draft, and what the form key's hooks add (on a plan the
    safer-sleep actions it lacks; on a debrief, first opened, the practitioners involved as its attendance)."""
    return step_hooks.opening_answers(step.case, step.task.form_key, step.draft.answers if step.draft else None, now)


def save_draft(actor, case_id: int, task_id: str, answers: dict, *, origin: Origin, now: datetime) -> StepDraft:
    """Keep unfinished answers for this person and step (no checks: a draft may be incomplete)."""
    step = open_step(actor, case_id, task_id, origin=origin, audit=False)
    draft = step.draft or StepDraft(draft_key=task_id, user_id=actor.id, answers={})
    draft.answers, draft.saved_at = answers, now
    db.session.add(draft)
    record_event("case.step_draft_saved", actor=actor, subject=step.case, origin=origin,
                 detail={"step": step.task.bpmn_id})
    return draft


def complete_step(actor, case_id: int, task_id: str, answers: dict, *, origin: Origin, now: datetime) -> StepRecord:
    """Complete a step: answers checked against the form and the service's choices, the workflow moved on,
    and everything entered kept in the case history. Bad answers change nothing."""
    step = open_step(actor, case_id, task_id, origin=origin, audit=False)
    return record_step(actor, step.case, step.task, answers, origin=origin, now=now, schema=step.schema)


def record_step(actor, case: Case, task: OpenTask, answers: dict, *, origin: Origin, now: datetime,
                schema: dict | None = None) -> StepRecord:
    schema = schema or runtime.step_form(task.instance_id, task.form_key)
    answers = step_hooks.completed_answers(case, task.form_key, answers, now)
    refused, gated = step_hooks.refusal(case, task.form_key, now)
    errors = {**gated, **check_choices(schema, answers, choice_provider(case.team_id, case.id))}
    if errors:
        raise InvalidInput(f"The step was not completed: {refused or 'check the answers'}", errors)
    saved = runtime.complete_task(task.instance_id, task.task_id, answers, actor=actor, now=now)
    db.session.expunge(task)  # the runtime removed its row with a plain DELETE; forget the stale object
    record = StepRecord(case_id=case.id, task_id=task.task_id, bpmn_id=task.bpmn_id, step_name=task.name,
                        form_key=task.form_key, answers=saved, completed_by_id=actor.id, completed_at=now)
    db.session.add(record)
    db.session.execute(delete(StepDraft).where(StepDraft.draft_key == task.task_id))
    db.session.flush()
    record_event("case.step_completed", actor=actor, subject=case, origin=origin, detail={"step": task.bpmn_id})
    step_hooks.after_recording(case, task.form_key, record, saved, now)
    return record


def correctable(actor, record: StepRecord, case: Case) -> bool:
    """A step's author, or a team manager of the case's team, corrects it; the meeting steps whose content
    lives on their own pages (convene, attendance, minutes) are corrected there."""
    if record.form_key is None or done_on_own_page(record.form_key):
        return False
    return record.completed_by_id == actor.id or (actor.has_role(Role.TEAM_MANAGER) and actor.team_id == case.team_id)


def correction_form(actor, case_id: int, record_id: int) -> tuple[Case, StepRecord, dict]:
    """The record to correct and its form (from the version the case runs on)."""
    case = get_visible_case(actor, case_id)
    record = db.session.get(StepRecord, record_id)
    if record is None or record.case_id != case.id:
        raise NotFound("There is no such step in this case's history.")
    if not correctable(actor, record, case):
        raise PermissionDenied("A step is corrected by whoever completed it, or by a team manager of the team.")
    return case, record, runtime.step_form(case.workflow_instance_id, record.form_key)


def correct_step(actor, case_id: int, record_id: int, answers: dict, reason: str, *, origin: Origin,
                 now: datetime) -> StepCorrection:
    """A new version of the answers, checked like the step itself. Answers that steered the process (its
    workflow data) cannot change here: the process already took its path from them."""
    case, record, schema = correction_form(actor, case_id, record_id)
    answers = step_hooks.completed_answers(case, record.form_key, answers, now)
    errors = check_choices(schema, answers, choice_provider(case.team_id, case.id))
    try:
        answers = validate_submission(form_validator(schema), answers)
    except InvalidInput as invalid:
        errors = {**invalid.field_errors, **errors}
    before = record.current_answers
    for name in workflow_fields(schema):
        if answers.get(name) != before.get(name):
            errors[name] = "This answer steered the process and cannot be corrected here; ask a team manager"
    if not reason.strip():
        errors["correction_reason"] = "Say why the answers are being corrected"
    if errors:
        raise InvalidInput("Nothing was corrected", errors)
    correction = StepCorrection(step_record_id=record.id, answers=answers, reason=reason.strip()[:5000],
                                corrected_by_id=actor.id, corrected_at=now)
    db.session.add(correction)
    db.session.flush()
    db.session.refresh(record)
    record_event("case.step_corrected", actor=actor, subject=case, origin=origin,
                 detail={"step": record.bpmn_id, "record_id": record.id, "correction_id": correction.id})
    step_hooks.after_recording(case, record.form_key, record, answers, now)
    return correction
