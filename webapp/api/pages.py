"""API token pages: the account page where a person makes and revokes their own tokens, and the administrators'
page listing every token, revoking any and making service tokens (a new token is shown once, with its expiry)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.api import tokens
from webapp.columns import utc_now
from webapp.database import undone_if_refused
from webapp.errors import InvalidInput, NotFound
from webapp.shell.security import acting_user, app_settings, request_origin

# No URL prefix: the person's page sits under /account, the administrators' under /admin.
blueprint = Blueprint("api_tokens", __name__)


def _with_states(rows) -> list[tuple]:
    now = utc_now()
    return [(row, tokens.token_state(row, now)) for row in rows]


@blueprint.route("/account/api-tokens/", methods=["GET", "POST"])
@login_required
def index():
    actor, error, new = acting_user(), None, None
    if request.method == "POST":
        try:
            with undone_if_refused():
                new = tokens.create_personal_token(actor, request.form.get("name", ""),
                                                   days=app_settings().api_token_days_personal,
                                                   origin=request_origin(), now=utc_now())
        except InvalidInput as invalid:
            error = invalid.field_errors["name"]
    return render_template("api/tokens.html", rows=_with_states(tokens.my_tokens(actor)), error=error, new=new,
                           days=app_settings().api_token_days_personal), (400 if error else 200)


@blueprint.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    tokens.revoke(acting_user(), token_id, origin=request_origin(), now=utc_now())
    flash("The token no longer works", "success")
    return redirect(url_for("api_tokens.index"))


def _make_service_token(actor) -> tuple[tuple | None, dict]:
    """Make the service token the form asks for: (row and token, no errors) or (None, errors by field)."""
    name, user_id = request.form.get("name", ""), request.form.get("user_id", "")
    if not user_id.isdecimal():
        return None, {"user_id": "Choose the account the system will act as"}
    try:
        with undone_if_refused(NotFound):
            made = tokens.create_service_token(actor, int(user_id), name, days=app_settings().api_token_days_service,
                                               origin=request_origin(), now=utc_now())
    except InvalidInput as invalid:
        return None, invalid.field_errors
    except NotFound:
        return None, {"user_id": "Choose an active account"}
    return made, {}


@blueprint.route("/admin/api-tokens", methods=["GET", "POST"])
@login_required
def admin_tokens():
    actor, new, errors = acting_user(), None, {}
    if request.method == "POST":
        new, errors = _make_service_token(actor)
    accounts = tokens.service_accounts(actor)
    rows = _with_states(tokens.all_tokens(actor, origin=request_origin()))
    page = render_template("api/admin_tokens.html", rows=rows, accounts=accounts, new=new, errors=errors,
                           entered=request.form if errors else {}, days=app_settings().api_token_days_service,
                           personal_days=app_settings().api_token_days_personal)
    return page, (400 if errors else 200)


@blueprint.route("/admin/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def admin_revoke(token_id: int):
    row = tokens.revoke(acting_user(), token_id, origin=request_origin(), now=utc_now(), as_administrator=True)
    flash(f"The token ‘{row.name}’ of {row.user.full_name} no longer works", "success")
    return redirect(url_for("api_tokens.admin_tokens"))
