"""Deploying bundles as versions. A bundle already stored is never stored again, so a restart that deploys
from `workflows/` never makes an older version current over one deployed later (in the browser, say)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from sqlalchemy import func, select

from webapp.audit.services import record_event
from webapp.errors import InvalidInput, NotFound
from webapp.extensions import db
from webapp.workflow.bundles import Bundle, Library, read_library
from webapp.workflow.engine import Parser, dump_specs, load_specs
from webapp.workflow.forms import form_validator
from webapp.workflow.models import WorkflowInstance, WorkflowVersion
from webapp.workflow.validation import Problem, validate_bundle
from webapp.workflow.xml import UnsafeXml, parse_diagram


class DeployRefused(InvalidInput):
    """The bundle has problems; nothing was deployed."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) stop this deploy")
        self.problems = problems


@dataclass(frozen=True)
class DeployResult:
    process_id: str
    version: WorkflowVersion
    created: bool


def library_problems(library: Library) -> list[Problem]:
    """XML problems of files no bundle could include (they hold no readable process)."""
    problems = []
    for file, text in library.diagrams.items():
        try:
            parse_diagram(text.encode())
        except UnsafeXml as error:
            problems.append(Problem(file, error.line, None, None, str(error)))
        except etree.XMLSyntaxError as error:
            problems.append(Problem(file, error.lineno, None, None, f"not well-formed XML: {error.msg}"))
    return problems


def check_library(library: Library) -> dict[str, tuple[Bundle, list[Problem], dict]]:
    """Every root process's bundle with its problems and task metadata."""
    return {process_id: (bundle, *validate_bundle(bundle, library))
            for process_id in library.root_processes()
            for bundle in [library.bundle(process_id)]}


def deploy_bundle(bundle: Bundle, library: Library, *, actor=None, actor_label: str = "flask workflows deploy",
                  source: str = "files") -> DeployResult:
    """Store a bundle as a new version unless that exact bundle is stored already; refuse one with problems."""
    problems, task_meta = validate_bundle(bundle, library)
    if problems:
        raise DeployRefused(problems)
    existing = db.session.scalar(select(WorkflowVersion).where(WorkflowVersion.bundle_hash == bundle.hash))
    if existing is not None:
        return DeployResult(bundle.root_process_id, existing, False)
    parser = Parser()
    for file, text in bundle.diagrams.items():
        parser.add_bpmn_xml(parse_diagram(text.encode()), filename=file)
    spec = parser.get_spec(bundle.root_process_id)
    version = WorkflowVersion(
        process_id=bundle.root_process_id, process_name=bundle.root_process_name, bundle_hash=bundle.hash,
        diagrams=bundle.diagrams, forms=bundle.forms,
        spec=dump_specs(spec, parser.get_subprocess_specs(bundle.root_process_id)), task_meta=task_meta,
        deployed_by_id=actor.id if actor is not None else None,
        deployed_by_label=actor.username if actor is not None else actor_label, source=source,
    )
    db.session.add(version)
    db.session.flush()
    record_event("workflow.deployed", actor=actor, actor_label=actor_label, subject=version,
                 detail={"process_id": version.process_id, "bundle_hash": version.bundle_hash})
    return DeployResult(bundle.root_process_id, version, True)


def deploy_directory(directory: Path) -> list[DeployResult]:
    """Deploy every root process in a folder; all or nothing: any problem refuses the whole deploy."""
    library = read_library(directory)
    problems = library_problems(library)
    checked = check_library(library)
    problems += [problem for _, found, _ in checked.values() for problem in found]
    if problems:
        raise DeployRefused(problems)
    return [deploy_bundle(bundle, library) for bundle, _, _ in checked.values()]


@dataclass(frozen=True)
class DeployedVersion:
    """What running an instance needs of its version, built once per process: versions never change."""

    id: int
    process_id: str
    task_meta: dict
    forms: dict
    specs: tuple  # SpiffWorkflow spec objects: (root spec, {name: subprocess spec})
    validators: dict = field(default_factory=dict)  # form key -> validator, built on first use

    def form_validator(self, form_key: str | None):
        """The validator of a form of this version's bundle (never the files on disk); no key, no fields."""
        if form_key not in self.validators:
            self.validators[form_key] = form_validator(self.forms[form_key] if form_key else EMPTY_FORM)
        return self.validators[form_key]

    def stored_specs(self) -> str:
        return db.session.scalar(select(WorkflowVersion.spec).where(WorkflowVersion.id == self.id))


EMPTY_FORM = {"type": "object", "properties": {}}
_DEPLOYED: dict[int, DeployedVersion] = {}


def deployed_version(version_id: int) -> DeployedVersion:
    """The version's facts and spec objects, from this process's cache or the database."""
    if version_id not in _DEPLOYED:
        version = db.session.get(WorkflowVersion, version_id)
        if len(_DEPLOYED) >= 64:
            _DEPLOYED.pop(next(iter(_DEPLOYED)))
        _DEPLOYED[version_id] = DeployedVersion(version.id, version.process_id, version.task_meta, version.forms,
                                                load_specs(version.spec))
    return _DEPLOYED[version_id]


def forget_deployed_versions() -> None:
    """Drop this process's cache (tests use it to prove a step needs nothing kept in memory)."""
    _DEPLOYED.clear()


def current_version(process_id: str) -> WorkflowVersion:
    """The most recently deployed version of a process: new instances start on it."""
    version = db.session.scalar(select(WorkflowVersion).where(WorkflowVersion.process_id == process_id)
                                .order_by(WorkflowVersion.id.desc()).limit(1))
    if version is None:
        raise NotFound(f"The process {process_id!r} has not been deployed. Run `flask workflows deploy`.")
    return version


def list_versions() -> list[tuple[WorkflowVersion, int]]:
    """Every version with how many unfinished instances run on it, newest first per process."""
    running = (select(WorkflowInstance.version_id, func.count(WorkflowInstance.id).label("running"))
               .where(WorkflowInstance.is_completed.is_(False)).group_by(WorkflowInstance.version_id).subquery())
    rows = db.session.execute(
        select(WorkflowVersion, func.coalesce(running.c.running, 0))
        .outerjoin(running, running.c.version_id == WorkflowVersion.id)
        .order_by(WorkflowVersion.process_id, WorkflowVersion.id.desc())
    ).all()
    return [(version, count) for version, count in rows]
