"""The account page where a person makes and revokes their own API tokens (a new token is shown once)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.api import tokens
from webapp.columns import utc_now
from webapp.errors import InvalidInput
from webapp.extensions import db
from webapp.shell.security import request_origin

blueprint = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens")


@blueprint.route("/", methods=["GET", "POST"])
@login_required
def index():
    actor, error, new_token = current_user._get_current_object(), None, None
    if request.method == "POST":
        try:
            _, new_token = tokens.create_personal_token(actor, request.form.get("name", ""), origin=request_origin(),
                                                        now=utc_now())
        except InvalidInput as invalid:
            db.session.rollback()
            error = invalid.field_errors["name"]
        else:
            db.session.commit()
    return render_template("api/tokens.html", rows=tokens.my_tokens(actor), error=error, new_token=new_token), \
        (400 if error else 200)


@blueprint.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    tokens.revoke(current_user._get_current_object(), token_id, origin=request_origin(), now=utc_now())
    db.session.commit()
    flash("The token no longer works", "success")
    return redirect(url_for("api_tokens.index"))
