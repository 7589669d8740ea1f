"""`flask audit ...`: seal the audit trail's new rows, and verify its hash chain."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.extensions import db

audit_cli = AppGroup("audit", help="The audit trail's hash chain.")


@audit_cli.command("seal")
def seal_command():
    """Seal the rows written since the last seal (the worker does this on every pass)."""
    from webapp.audit.chain import seal_pending

    sealed = seal_pending()
    db.session.commit()
    click.echo(f"{sealed} row(s) sealed.")


@audit_cli.command("verify")
def verify_command():
    """Recompute every seal; exit 1 naming the first row that was altered or removed."""
    from webapp.audit.chain import verify

    result = verify()
    if not result.ok:
        raise click.ClickException(f"The audit trail has been tampered with: {result.problem}.")
    click.echo(f"The audit trail holds: {result.sealed} row(s) sealed and intact, {result.waiting} waiting for "
               "the worker's next seal.")
