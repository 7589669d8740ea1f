"""`flask meetings ...`: take in calendar replies from a file (`fetch-replies`, which reads the organizer mailbox
with the worker's unit of work, is added to this group in webapp/cli.py)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.columns import utc_now
from webapp.extensions import db

meetings_cli = AppGroup("meetings", help="Calendar replies to meeting invitations.")
LARGEST_MESSAGE = 25 * 1024 * 1024


@meetings_cli.command("ingest-reply")
@click.argument("file", type=click.File("rb"))
def ingest_reply_command(file):
    """Take in one raw e-mail (RFC 5322, as saved by a mail client or a mail server; `-` reads standard input)."""
    from webapp.meetings.inbox import ingest_message

    raw = file.read(LARGEST_MESSAGE + 1)
    if len(raw) > LARGEST_MESSAGE:
        raise click.ClickException("The file is larger than 25 MB, so it is not a reply; nothing was taken in.")
    rows = ingest_message(raw, via="file", now=utc_now())
    db.session.commit()
    for row in rows:
        click.echo(_line(row))


def _line(row) -> str:
    what = f"{row.method} from {row.attendee}" if row.method else "message"
    if row.outcome == "unmatched":
        return f"Not matched ({what}): {row.reason}. It is on the administrators' unmatched replies page."
    return f"{row.outcome_label} ({what}, meeting {row.meeting_id})."

