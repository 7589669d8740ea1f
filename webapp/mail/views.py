"""The administrators' view of mail the worker could not deliver."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from webapp.columns import utc_now
from webapp.extensions import db
from webapp.mail.services import mail_overview, retry_message
from webapp.shell.security import request_origin

blueprint = Blueprint("mail", __name__, url_prefix="/admin/mail")


@blueprint.route("/")
@login_required
def overview():
    failed, counts = mail_overview(current_user)
    return render_template("mail/overview.html", failed=failed, counts=counts)


@blueprint.route("/<int:message_id>/retry", methods=["POST"])
@login_required
def retry(message_id: int):
    retry_message(current_user, message_id, origin=request_origin(), now=utc_now())
    db.session.commit()
    flash("The message will be sent again on the worker's next pass", "success")
    return redirect(url_for("mail.overview"))
