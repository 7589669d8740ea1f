"""Flask commands. Each command commits once, at its end."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from webapp.api.cli import api_cli
from webapp.audit.cli import audit_cli
from webapp.extensions import db
from webapp.meetings.cli import meetings_cli
from webapp.returns.cli import returns_cli
from webapp.workflow.cli import workflows_cli


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(workflows_cli)
    meetings_cli.add_command(fetch_replies_command)  # the worker's unit of work, so wired here
    app.cli.add_command(meetings_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(api_cli)
    app.cli.add_command(returns_cli)


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Create the demo partnership (development only)."""
    from webapp.demo import seed_demo, seed_demo_cases
    from webapp.errors import NotFound

    if not current_app.config["APP_SETTINGS"].allow_demo_data:
        raise click.ClickException("Demo data is switched off here (ALLOW_DEMO_DATA); nothing was created.")
    created = seed_demo(db.session)
    try:
        case_created = seed_demo_cases(db.session)
    except NotFound:  # the Section 17 process is not deployed yet
        case_created = False
        click.echo("No demo case: run `flask workflows deploy` first, then `flask seed-demo` again.")
    db.session.commit()
    click.echo("Demo partnership created: every demo password is demo-password." if created
               else "Demo partnership already present.")
    if case_created:
        click.echo("Demo case created for Ava Demochild, waiting for tm1's referral decision.")


@click.command("create-admin")
@with_appcontext
@click.argument("username")
@click.option("--full-name", required=True)
@click.option("--email", required=True)
@click.password_option()
def create_admin_command(username: str, full_name: str, email: str, password: str):
    """Create the first administrator of a new installation."""
    from webapp.auth.models import User, UserRole
    from webapp.auth.passwords import hash_password, password_problem
    from webapp.auth.roles import Role
    from webapp.auth.services import find_user_by_username

    problem = password_problem(password, username)
    if problem:
        raise click.ClickException(problem)
    if find_user_by_username(username) is not None:
        raise click.ClickException(f"The username {username} is taken.")
    db.session.add(User(username=username.lower(), full_name=full_name, email=email.lower(),
                        password_hash=hash_password(password), role_rows=[UserRole(role=Role.ADMINISTRATOR.value)]))
    db.session.commit()
    click.echo(f"Administrator {username} created.")


@click.command("worker")
@click.option("--once", is_flag=True, help="Run one pass and stop (for scripts and checks).")
@with_appcontext
def worker_command(once: bool):
    """Fire due timers, send queued mail, read calendar replies (IMAP_HOST) and render PDFs until stopped."""
    import signal
    import threading

    from webapp.database import prepare_worker_connections
    from webapp.worker import run_pass, run_until_stopped

    settings = current_app.config["APP_SETTINGS"]
    prepare_worker_connections(db.engine, settings)  # PostgreSQL: a frozen worker gives its locks back
    if once:
        result = run_pass(settings.mail, replies=settings.replies if settings.replies.imap_configured else None,
                          settings=settings)
        click.echo(f"{result.timers_fired} timer(s) fired, {result.timers_failed} failed, "
                   f"{result.mail_attempts} mail attempt(s), {result.replies_read} calendar repl(ies) read, "
                   f"{result.documents_rendered} PDF(s) rendered"
                   + ("; more mail or PDFs are waiting." if result.work_waiting else "."))
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Worker running every {settings.worker_interval_seconds} s; sending mail to "
               f"{settings.mail.host}:{settings.mail.port} for up to {settings.worker_mail_budget_seconds} s a pass"
               + (f"; reading replies from {settings.replies.imap_host} every {settings.replies.poll_seconds} s"
                  if settings.replies.imap_configured else "") + ". Stop with Ctrl+C.")
    run_until_stopped(settings, stop)
    click.echo("Worker stopped.")


@click.command("fetch-replies")
@with_appcontext
def fetch_replies_command():
    """Read new messages from the organizer mailbox (IMAP_HOST, IMAP_PORT, IMAP_SECURITY, IMAP_USERNAME,
    IMAP_PASSWORD, IMAP_FOLDER) and mark each one processed."""
    from webapp.meetings.mailbox import MailboxError
    from webapp.worker import fetch_replies

    settings = current_app.config["APP_SETTINGS"].replies
    if not settings.imap_configured:
        raise click.ClickException("No organizer mailbox is configured: set IMAP_HOST (and the other IMAP_ "
                                   "settings in the README).")
    try:
        read = fetch_replies(settings)
    except MailboxError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{read} message(s) read from {settings.imap_folder}.")
