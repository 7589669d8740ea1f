"""Development only: the mail that `make run`'s local SMTP server received (it writes a maildir in instance/)."""
import mailbox
from email.utils import parsedate_to_datetime
from pathlib import Path

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from webapp.auth.roles import Role
from webapp.errors import PermissionDenied

blueprint = Blueprint("dev_mail", __name__, url_prefix="/dev/mail")


def mail_directory() -> Path:
    return Path(current_app.instance_path) / "dev-mail"


@blueprint.route("/")
@login_required
def received():
    # The mail holds answer links and case details meant for other people: administrators only.
    if not current_user.has_role(Role.ADMINISTRATOR):
        raise PermissionDenied("Only administrators can read the development mail.")
    folder = mail_directory()
    messages = []
    if (folder / "new").exists() or (folder / "cur").exists():
        for message in mailbox.Maildir(folder, create=False):
            body = message.get_payload(decode=True) if not message.is_multipart() else \
                next((p.get_payload(decode=True) for p in message.walk() if p.get_content_type() == "text/plain"), b"")
            messages.append({"to": message["To"], "subject": message["Subject"], "message_id": message["Message-ID"],
                             "date": parsedate_to_datetime(message["Date"]) if message["Date"] else None,
                             "body": (body or b"").decode("utf-8", "replace")})
    messages.sort(key=lambda m: m["date"] or 0, reverse=True)
    return render_template("mail/dev_received.html", messages=messages, folder=folder)
