"""The administrator's Settings page: the partnership's figures and its one-off bank holidays."""
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.database import undone_if_refused
from webapp.errors import InvalidInput
from webapp.partnership import services
from webapp.shell.schema_forms import parse_submission
from webapp.shell.security import acting_user, request_origin

blueprint = Blueprint("partnership", __name__, url_prefix="/admin/settings")
HOLIDAY_FORM = {"properties": {"on": {"type": "string", "format": "date", "title": "Date"},
                               "name": {"type": "string", "title": "Name"}}}


def _page(errors=None, holiday_errors=None, values=None, holiday=None, status=200):
    return render_template("partnership/settings.html", settings=services.all_settings(acting_user()),
                           holidays=services.list_extra_holidays(acting_user()), errors=errors or {},
                           holiday_errors=holiday_errors or {}, values=values or {}, holiday=holiday or {}), status


@blueprint.route("/", methods=["GET", "POST"])
@login_required
def settings():
    if request.method == "GET":
        return _page()
    values = {key: value for key, value in request.form.items() if key != "csrf_token"}
    try:
        with undone_if_refused():
            changed = services.change_settings(acting_user(), values, origin=request_origin())
    except InvalidInput as invalid:
        return _page(errors=invalid.field_errors, values=values, status=400)
    flash(f"{len(changed)} setting(s) changed" if changed else "No setting changed", "success")
    return redirect(url_for("partnership.settings"))


@blueprint.route("/holidays", methods=["POST"])
@login_required
def add_holiday():
    answers, _ = parse_submission(HOLIDAY_FORM, request.form)  # a date that does not exist is left out
    try:
        with undone_if_refused():
            holiday = services.add_extra_holiday(acting_user(), date.fromisoformat(answers["on"]) if "on" in answers
                                                 else None, answers.get("name", ""), origin=request_origin())
    except InvalidInput as invalid:
        return _page(holiday_errors=invalid.field_errors, holiday=answers, status=400)
    flash(f"{holiday.name} added: deadlines count it from now on", "success")
    return redirect(url_for("partnership.settings"))


@blueprint.route("/holidays/<on>/remove", methods=["POST"])
@login_required
def remove_holiday(on: str):
    try:
        day = date.fromisoformat(on)
    except ValueError:
        return redirect(url_for("partnership.settings"))
    services.remove_extra_holiday(acting_user(), day, origin=request_origin())
    flash("Bank holiday removed", "success")
    return redirect(url_for("partnership.settings"))
