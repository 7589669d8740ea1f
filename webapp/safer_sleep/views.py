"""Pages: a case's safer-sleep assessments, recording one, and asking health visiting or midwifery for one."""
from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.columns import utc_now
from webapp.database import undone_if_refused
from webapp.errors import InvalidInput
from webapp.information_requests.models import SAFER_SLEEP
from webapp.information_requests.services import request_from_form
from webapp.safer_sleep import services
from webapp.safer_sleep.risks import risk_flags
from webapp.shell.form_pages import Posted, post_schema_form
from webapp.shell.schema_forms import build_fields, describe_answers, error_list
from webapp.shell.security import acting_user, request_origin

blueprint = Blueprint("safer_sleep", __name__)
TASK_ID = re.compile(r"^[0-9a-f-]{36}$")


@blueprint.app_template_global("safer_sleep_summary")
def safer_sleep_summary(case):
    return services.case_summary(case, utc_now())


@blueprint.app_template_global("safer_sleep_requirement")
def safer_sleep_requirement(case, form_key):
    return services.requirement(case, form_key, utc_now())


def _back_to(case_id: int, step: str):
    """Back to the step the worker came from (the plan or the review), else the case page."""
    if TASK_ID.match(step):
        return url_for("cases.step", case_id=case_id, task_id=step)
    return url_for("cases.case_page", case_id=case_id) + "#safer-sleep"


@blueprint.route("/cases/<int:case_id>/safer-sleep")
@login_required
def assessments(case_id: int):
    case, found = services.assessments_on_case(acting_user(), case_id, origin=request_origin())
    entries = [(a, risk_flags(a.answers), describe_answers(services.SCHEMA, a.answers)) for a in found]
    return render_template("safer_sleep/list.html", case=case, entries=entries)


@blueprint.route("/cases/<int:case_id>/safer-sleep/new", methods=["GET", "POST"])
@login_required
def record(case_id: int):
    actor, step = acting_user(), request.args.get("step", "")
    case = services.open_form(actor, case_id, "record", origin=request_origin(), audit=request.method == "GET")
    posted = Posted()
    if request.method == "POST":
        posted = post_schema_form(services.SCHEMA, request.form, lambda answers: services.record_assessment(
            actor, case_id, answers, origin=request_origin(), now=utc_now()))
        if posted.saved:
            flash("Safer-sleep assessment recorded", "success")
            return redirect(_back_to(case_id, step))
    fields = build_fields(services.SCHEMA, posted.answers, posted.errors, rows_shown=posted.rows)
    return render_template("safer_sleep/record.html", case=case, fields=fields, errors=error_list(fields),
                           back=_back_to(case_id, step)), (400 if posted.errors else 200)


@blueprint.route("/cases/<int:case_id>/safer-sleep/ask", methods=["GET", "POST"])
@login_required
def ask(case_id: int):
    actor = acting_user()
    case = services.open_form(actor, case_id, "ask", origin=request_origin(), audit=request.method == "GET")
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form
        try:
            with undone_if_refused():
                made = request_from_form(actor, case_id, values, kind=SAFER_SLEEP, origin=request_origin(),
                                         now=utc_now())
        except InvalidInput as invalid:
            errors = invalid.field_errors
        else:
            flash(f"{made.agency.name} has been asked to record a safer-sleep assessment", "success")
            return redirect(url_for("cases.case_page", case_id=case_id) + "#safer-sleep")
    agencies, people = services.agencies_to_ask()
    return render_template("safer_sleep/ask.html", case=case, agencies=agencies, people=people, errors=errors,
                           values=values), (400 if errors else 200)
