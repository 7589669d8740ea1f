"""`flask api service-token USERNAME --name NAME`: a service token for another system's own account."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.extensions import db

api_cli = AppGroup("api", help="API tokens for other systems.")


@api_cli.command("service-token")
@click.argument("username")
@click.option("--name", required=True, help="The system that will use it, for example 'GP practice system'.")
def service_token_command(username: str, name: str):
    """Make a service token acting as USERNAME (give the system an account of its own, with only the roles it
    needs); the token is printed once."""
    from webapp.api.tokens import issue_service_token
    from webapp.columns import utc_now
    from webapp.errors import DomainError

    try:
        token = issue_service_token(username, name, now=utc_now())
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(token)
