"""Pages: recording a visit from the case page, and every visit of a case."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.columns import utc_now
from webapp.shell.form_pages import Posted, post_schema_form
from webapp.shell.schema_forms import build_fields, error_list
from webapp.shell.security import acting_user, request_origin
from webapp.visits import services

blueprint = Blueprint("visits", __name__)


@blueprint.route("/cases/<int:case_id>/visits")
@login_required
def visits(case_id: int):
    case, found = services.visits_on_case(acting_user(), case_id, origin=request_origin())
    return render_template("visits/list.html", case=case, visits=found)


@blueprint.route("/cases/<int:case_id>/visits/new", methods=["GET", "POST"])
@login_required
def record(case_id: int):
    actor = acting_user()
    case = services.open_form(actor, case_id, origin=request_origin(), audit=request.method == "GET")
    posted = Posted()
    if request.method == "POST":
        posted = post_schema_form(services.SCHEMA, request.form, lambda answers: services.record_visit(
            actor, case_id, answers, origin=request_origin(), now=utc_now()))
        if posted.saved:
            flash("Visit recorded", "success")
            return redirect(url_for("cases.case_page", case_id=case_id) + "#visits")
    fields = build_fields(services.SCHEMA, posted.answers, posted.errors)
    return render_template("visits/record.html", case=case, fields=fields, errors=error_list(fields)), \
        (400 if posted.errors else 200)
