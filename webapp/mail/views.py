"""The administrators' view of outgoing mail: whether it is going out, why not, and what the worker gave up on."""
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required

from webapp.columns import utc_now
from webapp.mail.services import describe_wait, mail_overview, retry_message
from webapp.shell.security import acting_user, app_settings, request_origin

blueprint = Blueprint("mail", __name__, url_prefix="/admin/mail")


@blueprint.route("/")
@login_required
def overview():
    mail = mail_overview(acting_user(), now=utc_now(),
                         stalled_after=timedelta(minutes=app_settings().alert_mail_stalled_minutes))
    return render_template("mail/overview.html", mail=mail, describe_wait=describe_wait)


@blueprint.route("/<int:message_id>/retry", methods=["POST"])
@login_required
def retry(message_id: int):
    retry_message(acting_user(), message_id, origin=request_origin(), now=utc_now())
    flash("The message will be sent again on the worker's next pass", "success")
    return redirect(url_for("mail.overview"))
