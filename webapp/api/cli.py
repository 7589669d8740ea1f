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
    needs); the token is printed once, alone on the first line (for scripts), its expiry on standard error."""
    from webapp.api.tokens import issue_service_token
    from webapp.columns import utc_now
    from webapp.errors import DomainError
    from webapp.shell.security import app_settings

    try:
        row, token = issue_service_token(username, name, days=app_settings().api_token_days_service, now=utc_now())
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(token)
    click.echo(f"Expires {row.expires_at.isoformat(timespec='seconds')} (in {app_settings().api_token_days_service} "
               "days; API_TOKEN_DAYS_SERVICE). A password reset or deactivation of the account ends it sooner.",
               err=True)
