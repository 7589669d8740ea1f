"""A case's page and its changes outside the workflow (reallocation)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from webapp.audit.models import AuditEvent
from webapp.audit.services import Origin, record_event
from webapp.auth.roles import Role
from webapp.cases.access import can_do_step, can_do_task, get_visible_case
from webapp.cases.choices import choice_provider
from webapp.cases.contacts import OUTCOME_WORDS
from webapp.cases.household_people import FIELD_LABELS
from webapp.cases.households import Sibling, siblings_of
from webapp.cases.models import Case, StepRecord
from webapp.cases.next_step import open_steps, what_happens_next
from webapp.cases.steps import correctable
from webapp.cases.tables import CasePanel, case_tables
from webapp.columns import LONDON
from webapp.errors import InvalidInput, PermissionDenied
from webapp.extensions import db
from webapp.shell.schema_forms import describe_answers
from webapp.workflow import runtime
from webapp.workflow.bundles import Library
from webapp.workflow.models import WorkflowInstance, WorkflowVersion


@dataclass
class OpenStep:
    task_id: str
    name: str
    role: str | None
    mine: bool
    due_at: object = None


@dataclass
class HistoryEntry:
    record: StepRecord
    answers: list[tuple[str, str]]  # as first recorded
    corrections: list  # (StepCorrection, its answers described), oldest first
    may_correct: bool


@dataclass
class CaseView:
    case: Case
    siblings: list[Sibling]
    open_steps: list[OpenStep]
    history: list[HistoryEntry]
    can_reallocate: bool
    can_request_information: bool  # the case's social workers and managers: they also mark actions done
    panels: list[tuple[CasePanel, list]]  # the features' sections (webapp/cases/tables.py), in page order
    today: date
    next: str  # what the case waits for (cases/next_step.py)
    member_updates: dict = field(default_factory=dict)  # member id -> what this case's referral added or changed
    front_door: str = ""  # a contact or a referral, in words (cases/contacts.py)

    def rows(self, panel_name: str) -> list:
        return next((rows for panel, rows in self.panels if panel.name == panel_name), [])


def view_case(actor, case_id: int, *, origin: Origin, now: datetime) -> CaseView:
    """Everything the case page shows; the look is audited."""
    case = get_visible_case(actor, case_id)
    record_event("case.viewed", actor=actor, subject=case, origin=origin)
    siblings = siblings_of(actor, case)
    tasks = open_steps(case.id)
    steps = [OpenStep(t.task_id, t.name, t.role, can_do_task(actor, case, t), t.due_at) for t in tasks]
    provide = choice_provider(case.team_id, case.id)
    records = db.session.scalars(select(StepRecord).where(StepRecord.case_id == case.id)
                                 .order_by(StepRecord.completed_at.desc(), StepRecord.id.desc())).all()
    version = runtime.instance_version(case.workflow_instance_id)  # one lookup for the whole history
    def described(record, answers):
        return describe_answers(version.form_validator(record.form_key).schema, answers, provide)

    history = [HistoryEntry(r, described(r, r.answers), [(c, described(r, c.answers)) for c in r.corrections],
                            correctable(actor, r, case)) for r in records]
    may_request = any(can_do_step(actor, case, role.value) for role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER))
    return CaseView(case, siblings, steps, history, actor.has_role(Role.TEAM_MANAGER) and actor.team_id == case.team_id,
                    may_request, [(panel, panel.rows(case.id)) for panel in case_tables().panels],
                    now.astimezone(LONDON).date(), what_happens_next(case, now, tasks), member_updates(case.id),
                    OUTCOME_WORDS.get(case.front_door_outcome, case.front_door_outcome))


def member_updates(case_id: int) -> dict[int, dict[str, list[str]]]:
    """What this case's referral added to or changed for people already known in the household (field labels),
    from its audit rows, so the worker sees it on the case page."""
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.subject_type == "cases", AuditEvent.subject_id == case_id,
                                 AuditEvent.action == "household.member_updated").order_by(AuditEvent.id)).all()
    return {row.detail["member_id"]: {kind: [FIELD_LABELS.get(f, f) for f in row.detail.get(kind, [])]
                                      for kind in ("added", "changed", "kept")} for row in rows}


def reallocation_choices(actor, case_id: int, *, origin: Origin | None = None) -> tuple[Case, list[tuple[str, str]]]:
    """The case and its team's social workers, for its team manager; with an origin, the look is audited."""
    case = get_visible_case(actor, case_id)
    if not (actor.has_role(Role.TEAM_MANAGER) and actor.team_id == case.team_id):
        raise PermissionDenied("Only a team manager of the case's team can reallocate it.")
    if origin is not None:
        record_event("case.allocation_viewed", actor=actor, subject=case, origin=origin)
    return case, choice_provider(case.team_id)("team_social_workers")


def reallocate_case(actor, case_id: int, worker_id: int | None, *, origin: Origin) -> Case:
    """Give the case to another social worker of its team; audited with who it was with before."""
    case, choices = reallocation_choices(actor, case_id)
    if worker_id is None or str(worker_id) not in {value for value, _ in choices}:
        raise InvalidInput("The case was not reallocated", {"worker_id": "Select a social worker of the team"})
    before = case.allocated_worker_id
    case.allocated_worker_id = worker_id
    db.session.flush()
    record_event("case.reallocated", actor=actor, subject=case, origin=origin,
                 detail={"from_worker_id": before, "to_worker_id": worker_id})
    return case


def case_diagram(actor, case_id: int, *, origin: Origin) -> dict:
    """The case's own process diagram (the version it runs on) with its completed and current steps; audited."""
    case = get_visible_case(actor, case_id)
    instance = db.session.get(WorkflowInstance, case.workflow_instance_id)
    version = db.session.get(WorkflowVersion, instance.version_id)
    library = Library(version.diagrams, {})
    completed, current = runtime.step_positions(instance.id)
    record_event("case.diagram_viewed", actor=actor, subject=case, origin=origin, detail={"version_id": version.id})
    return {"version": version.id, "xml": version.diagrams[library.process_files[version.process_id]],
            "completed": completed, "current": current}


def case_audit(actor, case_id: int, *, page: int = 1, per_page: int = 100, origin: Origin) -> tuple[Case, list, bool]:
    """Who looked at or changed the case, newest first, for its managers; the look is audited too."""
    case = get_visible_case(actor, case_id)
    if not actor.has_role(Role.TEAM_MANAGER, Role.SENIOR_MANAGER):
        raise PermissionDenied("A case's audit trail is for its managers.")
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "cases",
                                                       AuditEvent.subject_id == case.id)
                              .order_by(AuditEvent.id.desc()).offset((page - 1) * per_page).limit(per_page + 1)).all()
    record_event("case.audit_viewed", actor=actor, subject=case, origin=origin, detail={"page": page})
    return case, list(rows[:per_page]), len(rows) > per_page
