"""Editing a process as a draft and deploying it as a new version, for process owners and administrators.

A draft holds the bundle's diagrams and forms as edited. Saving refuses what must never be stored (a DOCTYPE or
entity declaration, an oversized or malformed file, a form that is not a JSON object) and otherwise keeps the
draft and runs the runtime's own validation, reporting each problem with its element. Deploying validates again,
stores a new version (new instances start on it; running ones stay on theirs) and discards the draft. Running
instances of earlier versions can then be moved onto it where that is safe (webapp/workflow/migration.py)."""
from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree
from sqlalchemy import func, select

from webapp.audit.services import Origin, record_event
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.references import case_reference
from webapp.errors import InvalidInput, NotFound, PermissionDenied
from webapp.extensions import db
from webapp.processes.models import ProcessDraft
from webapp.shell.schema_forms import build_fields
from webapp.workflow import migration
from webapp.workflow.bundles import Library
from webapp.workflow.migration import MigrationCheck
from webapp.workflow.models import WorkflowInstance, WorkflowVersion
from webapp.workflow.validation import Problem, validate_bundle
from webapp.workflow.versions import current_version, deploy_bundle
from webapp.workflow.xml import MAX_DIAGRAM_BYTES, NSMAP, UnsafeXml, parse_diagram

MAX_FORM_BYTES = 256 * 1024
STEP_KINDS = {"userTask", "serviceTask", "callActivity", "subProcess", "exclusiveGateway", "parallelGateway",
              "inclusiveGateway", "eventBasedGateway", "startEvent", "endEvent", "intermediateCatchEvent",
              "intermediateThrowEvent", "boundaryEvent", "sequenceFlow"}


def require_editor(actor) -> None:
    if not actor.has_role(Role.PROCESS_OWNER, Role.ADMINISTRATOR):
        raise PermissionDenied("Processes are edited and deployed by process owners and administrators.")


@dataclass(frozen=True)
class VersionRow:
    version: WorkflowVersion
    deployed_by: str  # the person's name, or where the files came from
    running: int  # unfinished instances (cases, households, escalations) on this version
    finished: int


@dataclass(frozen=True)
class ProcessRow:
    process_id: str
    name: str
    versions: list[VersionRow]  # newest first: the first runs new cases
    draft: ProcessDraft | None

    @property
    def version(self) -> WorkflowVersion:
        return self.versions[0].version

    @property
    def running(self) -> int:
        return sum(row.running for row in self.versions)


def processes(actor) -> list[ProcessRow]:
    """Each deployed process with every version it has (newest first), who deployed each and when, how many
    instances run and have finished on each, and any draft."""
    require_editor(actor)
    counts = {(version_id, done): count for version_id, done, count in db.session.execute(
        select(WorkflowInstance.version_id, WorkflowInstance.is_completed, func.count(WorkflowInstance.id))
        .group_by(WorkflowInstance.version_id, WorkflowInstance.is_completed))}
    versions = db.session.scalars(select(WorkflowVersion).order_by(WorkflowVersion.process_id,
                                                                    WorkflowVersion.id.desc())).all()
    people = {user.id: user.full_name for user in db.session.scalars(
        select(User).where(User.id.in_({v.deployed_by_id for v in versions if v.deployed_by_id})))}
    grouped: dict[str, list[VersionRow]] = {}
    for version in versions:
        deployed_by = people.get(version.deployed_by_id) or (
            "The workflows folder" if version.source == "files" else version.deployed_by_label)
        grouped.setdefault(version.process_id, []).append(VersionRow(
            version, deployed_by, counts.get((version.id, False), 0), counts.get((version.id, True), 0)))
    drafts = {d.process_id: d for d in db.session.scalars(select(ProcessDraft))}
    return [ProcessRow(pid, rows[0].version.process_name, rows, drafts.get(pid)) for pid, rows in sorted(grouped.items())]


def editing(actor, process_id: str) -> tuple[ProcessDraft | None, WorkflowVersion]:
    """The saved draft (if any) and the version it starts from."""
    require_editor(actor)
    version = current_version(process_id)
    draft = db.session.scalar(select(ProcessDraft).where(ProcessDraft.process_id == process_id))
    return draft, version


def _checked_files(diagrams: dict[str, str], forms: dict[str, str]) -> tuple[dict[str, str], dict[str, dict]]:
    """The files as they will be stored; InvalidInput (nothing stored) for any that must be refused."""
    errors, kept_forms = {}, {}
    for name, text in diagrams.items():
        content = text.encode("utf-8")
        try:
            if len(content) > MAX_DIAGRAM_BYTES:
                raise UnsafeXml(f"the diagram is larger than {MAX_DIAGRAM_BYTES // 1024} KB")
            parse_diagram(content)
        except UnsafeXml as refused:
            errors[f"diagram:{name}"] = f"{name}: {refused}"
        except etree.XMLSyntaxError as error:
            errors[f"diagram:{name}"] = f"{name}: not well-formed XML at line {error.lineno}: {error.msg}"
    for key, text in forms.items():
        if len(text.encode("utf-8")) > MAX_FORM_BYTES:
            errors[f"form:{key}"] = f"forms/{key}.json is larger than {MAX_FORM_BYTES // 1024} KB"
            continue
        try:
            schema = json.loads(text)
        except json.JSONDecodeError as error:
            errors[f"form:{key}"] = f"forms/{key}.json is not valid JSON (line {error.lineno}): {error.msg}"
            continue
        except RecursionError:
            errors[f"form:{key}"] = f"forms/{key}.json is nested too deeply to read"
            continue
        if not isinstance(schema, dict):
            errors[f"form:{key}"] = f"forms/{key}.json must be a JSON object (a JSON Schema)"
        else:
            kept_forms[key] = schema
    if errors:
        raise InvalidInput("Nothing was saved", errors)
    return dict(diagrams), kept_forms


def save_draft(actor, process_id: str, diagrams: dict[str, str], forms: dict[str, str], *, origin: Origin,
               now: datetime) -> tuple[ProcessDraft, list[Problem]]:
    """Keep the draft (refusing hostile or broken files outright) and return the validation problems."""
    draft, version = editing(actor, process_id)
    kept_diagrams, kept_forms = _checked_files(diagrams, forms)
    draft = draft or ProcessDraft(process_id=process_id, based_on_version_id=version.id)
    draft.diagrams, draft.forms, draft.saved_by_id, draft.saved_at = kept_diagrams, kept_forms, actor.id, now
    db.session.add(draft)
    db.session.flush()
    record_event("process.draft_saved", actor=actor, origin=origin, detail={"process_id": process_id})
    return draft, problems_of(draft)


def preview_fields(schema_text: str, *, prefix: str = "preview-") -> list:
    """The fields a form's schema gives (services' own choices shown empty), their ids prefixed so that several
    previews can share a page; InvalidInput when it is no schema."""
    try:
        schema = json.loads(schema_text)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"Not valid JSON (line {error.lineno}): {error.msg}") from None
    if not isinstance(schema, dict):
        raise InvalidInput("A form is a JSON object (a JSON Schema)")
    try:
        return build_fields(schema, {}, {}, provider=lambda name: [], prefix=prefix)
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise InvalidInput(f"The schema cannot be shown as a form: {error}") from None


def root_file(diagrams: dict[str, str], process_id: str) -> str | None:
    """The file holding the process itself (the others hold the processes it calls)."""
    return Library(diagrams, {}).process_files.get(process_id)


def problems_of(draft: ProcessDraft) -> list[Problem]:
    """The runtime's validation of the draft's bundle: every problem, each with its file, line and element."""
    library = Library(draft.diagrams, draft.forms)
    if draft.process_id not in library.process_files:
        return [Problem(next(iter(draft.diagrams), "diagram"), None, None, None,
                        f"no executable process with the id {draft.process_id!r}: keep the process id")]
    problems, _ = validate_bundle(library.bundle(draft.process_id), library)
    return problems


@dataclass
class Changes:
    steps_added: list[str] = field(default_factory=list)
    steps_removed: list[str] = field(default_factory=list)
    steps_changed: list[str] = field(default_factory=list)
    forms_added: list[str] = field(default_factory=list)
    forms_removed: list[str] = field(default_factory=list)
    forms_changed: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)


def _steps(diagrams: dict[str, str]) -> dict[str, tuple[str, bytes]]:
    """Every flow element by id: (a label for people, its XML without layout) to compare versions."""
    found = {}
    for text in diagrams.values():
        try:
            root = parse_diagram(text.encode("utf-8"))
        except (UnsafeXml, etree.XMLSyntaxError):
            continue
        for element in root.iter(f"{{{NSMAP['bpmn']}}}*"):
            kind = etree.QName(element).localname
            if kind in STEP_KINDS and element.get("id"):
                label = f"{element.get('name') or element.get('id')} ({kind})"
                found[element.get("id")] = (label, etree.tostring(element, method="c14n"))
    return found


def changes(draft: ProcessDraft, version: WorkflowVersion) -> Changes:
    """What deploying the draft changes against the running version: steps and forms added, removed, changed."""
    before, after = _steps(version.diagrams), _steps(draft.diagrams)
    result = Changes(
        steps_added=sorted(after[i][0] for i in after.keys() - before.keys()),
        steps_removed=sorted(before[i][0] for i in before.keys() - after.keys()),
        steps_changed=sorted(after[i][0] for i in after.keys() & before.keys() if after[i][1] != before[i][1]),
        forms_added=sorted(draft.forms.keys() - version.forms.keys()),
        forms_removed=sorted(version.forms.keys() - draft.forms.keys()),
        forms_changed=sorted(k for k in draft.forms.keys() & version.forms.keys() if draft.forms[k] != version.forms[k]))
    return result


def deploy(actor, process_id: str, *, origin: Origin) -> WorkflowVersion:
    """Deploy the draft as a new version: validated again; new instances start on it, running ones stay."""
    draft, _ = editing(actor, process_id)
    if draft is None:
        raise NotFound("There is no draft of this process to deploy.")
    problems = problems_of(draft)
    if problems:
        raise InvalidInput("Nothing was deployed: the draft has problems", {"draft": str(problems[0])})
    library = Library(draft.diagrams, draft.forms)
    result = deploy_bundle(library.bundle(process_id), library, actor=actor, actor_label=actor.username,
                           source="editor")
    db.session.delete(draft)
    record_event("process.deployed", actor=actor, origin=origin,
                 detail={"process_id": process_id, "version_id": result.version.id, "new": result.created})
    return result.version


def discard_draft(actor, process_id: str, *, origin: Origin) -> None:
    draft, _ = editing(actor, process_id)
    if draft is not None:
        db.session.delete(draft)
        record_event("process.draft_discarded", actor=actor, origin=origin, detail={"process_id": process_id})


def export_bundle(actor, process_id: str, *, origin: Origin) -> bytes:
    """The running version's bundle as a zip of files laid out like workflows/ (diagrams, forms/)."""
    require_editor(actor)
    version = current_version(process_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(version.diagrams.items()):
            archive.writestr(name, text)
        for key, schema in sorted(version.forms.items()):
            archive.writestr(f"forms/{key}.json", json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
    record_event("process.exported", actor=actor, origin=origin, detail={"process_id": process_id,
                                                                        "version_id": version.id})
    return buffer.getvalue()


@dataclass(frozen=True)
class RunningInstance:
    instance: WorkflowInstance
    label: str  # the case reference, or what the instance is about
    check: MigrationCheck


def running_on_older_versions(actor, process_id: str, limit: int = 200) -> list[RunningInstance]:
    """Unfinished instances of earlier versions, each with whether it can move to the newest version (the
    migration preview: the steps it is at, or why it cannot move)."""
    require_editor(actor)
    newest = current_version(process_id)
    older = db.session.scalars(
        select(WorkflowInstance).join(WorkflowVersion, WorkflowVersion.id == WorkflowInstance.version_id)
        .where(WorkflowVersion.process_id == process_id, WorkflowInstance.version_id != newest.id,
               WorkflowInstance.is_completed.is_(False)).order_by(WorkflowInstance.id).limit(limit)).all()
    return [RunningInstance(instance, _subject_label(instance), migration.check(instance.id, newest.id))
            for instance in older]


def _subject_label(instance: WorkflowInstance) -> str:
    if instance.subject_type == "cases":

        return f"Case {case_reference(instance.subject_id)}"
    return f"{instance.subject_type.rstrip('s').capitalize()} {instance.subject_id}"


def migrate_instances(actor, process_id: str, instance_ids: list[int], *, origin: Origin, now: datetime) -> int:
    """Move the chosen instances to the newest version; all or none: any that is not safe refuses the lot."""
    require_editor(actor)
    newest = current_version(process_id)
    if not instance_ids:
        raise InvalidInput("Nothing was moved", {"instances": "Choose the cases to move"})
    problems = {}
    for instance_id in instance_ids:
        instance = db.session.get(WorkflowInstance, instance_id) if instance_id <= 2**31 - 1 else None
        if instance is None or instance.is_completed or instance.version_id == newest.id or \
                db.session.get(WorkflowVersion, instance.version_id).process_id != process_id:
            problems[f"instance-{instance_id}"] = f"Instance {instance_id} is not a running instance of an earlier version"
            continue
        checked = migration.check(instance_id, newest.id)
        if not checked.safe:
            problems[f"instance-{instance_id}"] = f"{_subject_label(instance)}: " + "; ".join(checked.reasons)
    if problems:
        raise InvalidInput("Nothing was moved", problems)
    for instance_id in instance_ids:
        migration.migrate(instance_id, newest.id, actor=actor, now=now)
    record_event("process.instances_migrated", actor=actor, origin=origin,
                 detail={"process_id": process_id, "version_id": newest.id, "instances": instance_ids})
    return len(instance_ids)
