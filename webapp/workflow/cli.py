"""`flask workflows ...`: deploy, validate, list, contract, rebuild-derived."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from webapp.config import PROJECT_ROOT
from webapp.extensions import db

workflows_cli = AppGroup("workflows", help="Deploy and inspect the BPMN workflows.")
DEFAULT_DIRECTORY = PROJECT_ROOT / "workflows"


@workflows_cli.command("deploy")
@click.option("--directory", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_DIRECTORY,
              show_default=True)
def deploy_command(directory: Path):
    """Deploy each root process in the folder as a version, unless that exact bundle is stored already."""
    from webapp.workflow.versions import DeployRefused, deploy_directory

    try:
        results = deploy_directory(directory)
    except DeployRefused as refused:
        db.session.rollback()
        for problem in refused.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"Nothing deployed: {len(refused.problems)} problem(s).") from None
    db.session.commit()
    if not results:
        click.echo(f"No processes found in {directory}.")
    for result in results:
        state = "deployed as version" if result.created else "unchanged, current stored version"
        click.echo(f"{result.process_id}: {state} {result.version.id} ({result.version.bundle_hash[:12]})")


@workflows_cli.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate_command(files: tuple[Path, ...]):
    """Check diagrams (with the forms in a forms/ folder beside them) without deploying; exit 1 on problems."""
    from webapp.workflow.bundles import read_library
    from webapp.workflow.validation import validate_bundle
    from webapp.workflow.versions import library_problems

    problems = []
    for folder in sorted({path.parent for path in files}):
        library = read_library(folder)  # the folder's other diagrams and forms/ answer calls and form keys
        chosen = {path.name for path in files if path.parent == folder}
        problems += [problem for problem in library_problems(library) if problem.file in chosen]
        for process_id, file_name in library.process_files.items():
            if file_name in chosen:
                problems += validate_bundle(library.bundle(process_id), library)[0]
    for problem in dict.fromkeys(problems):
        click.echo(str(problem), err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"{len(files)} file(s): no problems found.")


@workflows_cli.command("list")
def list_command():
    """Every version, newest first, with how many unfinished instances run on each."""
    from webapp.columns import london_time
    from webapp.workflow.versions import list_versions

    rows = list_versions()
    if not rows:
        click.echo("No versions deployed. Run `flask workflows deploy`.")
    for version, running in rows:
        click.echo(f"{version.process_id}  version {version.id}  {version.bundle_hash[:12]}  "
                   f"deployed {london_time(version.deployed_at)} by {version.deployed_by_label}  "
                   f"{running} running")


@workflows_cli.command("contract")
def contract_command():
    """The diagram ids, form keys, messages and data names the code relies on: a deploy without one is refused."""
    from webapp.workflow.contract import KINDS
    from webapp.workflow.wiring import wired

    for reliance in sorted(wired().contract, key=lambda r: (r.process_id, r.kind, r.name, r.module)):
        click.echo(f"{reliance.process_id}  {KINDS[reliance.kind]} {reliance.name!r}  {reliance.module}"
                   + (f" ({reliance.why})" if reliance.why else ""))


@workflows_cli.command("rebuild-derived")
def rebuild_derived_command():
    """Recompute open tasks and next timers of every unfinished instance from its saved state."""
    from webapp.workflow.runtime import rebuild_derived_rows

    count = rebuild_derived_rows()
    db.session.commit()
    click.echo(f"Rebuilt the derived rows of {count} instance(s).")
