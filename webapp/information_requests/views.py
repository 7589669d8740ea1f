"""Pages: a social worker asks an agency; an agency practitioner lists and answers its requests."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from webapp.agencies.models import Agency
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.cases.access import get_visible_case
from webapp.columns import utc_now
from webapp.database import undone_if_refused
from webapp.errors import InvalidInput
from webapp.extensions import db
from webapp.information_requests import services
from webapp.information_requests.models import SAFER_SLEEP
from webapp.shell.form_pages import Posted, post_schema_form
from webapp.shell.schema_forms import build_fields, error_list
from webapp.shell.security import acting_user, request_origin

blueprint = Blueprint("information_requests", __name__)


def _agencies_and_people():
    agencies = db.session.scalars(select(Agency).where(Agency.is_active.is_(True)).order_by(Agency.name)).all()
    people = [u for u in db.session.scalars(select(User).where(User.agency_id.is_not(None), User.is_active.is_(True))
                                            .order_by(User.full_name)) if u.has_role(Role.AGENCY_PRACTITIONER)]
    return agencies, people


@blueprint.route("/cases/<int:case_id>/information-requests/new", methods=["GET", "POST"])
@login_required
def new_request(case_id: int):
    actor = acting_user()
    case = get_visible_case(actor, case_id)
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form
        try:
            with undone_if_refused():
                made = services.request_from_form(actor, case_id, values, origin=request_origin(), now=utc_now())
        except InvalidInput as invalid:
            errors = invalid.field_errors
        else:
            flash(f"Request sent to {made.agency.name}", "success")
            return redirect(url_for("cases.case_page", case_id=case_id))
    agencies, people = _agencies_and_people()
    return render_template("information_requests/new.html", case=case, agencies=agencies, people=people,
                           errors=errors, values=values), (400 if errors else 200)


@blueprint.route("/requests")
@login_required
def agency_requests():
    found = services.requests_for_agency(acting_user())
    return render_template("information_requests/list.html", requests=found, dues=services.dues(found), now=utc_now())


@blueprint.route("/requests/<int:request_id>", methods=["GET", "POST"])
@login_required
def answer(request_id: int):
    actor = acting_user()
    found, task, schema = services.open_request(actor, request_id, origin=request_origin())
    posted = Posted()
    if request.method == "POST" and task is not None:
        posted = post_schema_form(schema, request.form, lambda answers: services.answer_request(
            actor, request_id, answers, origin=request_origin(), now=utc_now()))
        if posted.saved:
            flash("The safer-sleep assessment has been recorded and the social worker told"
                  if found.kind == SAFER_SLEEP else "Your answer has been sent to the social worker", "success")
            return redirect(url_for("information_requests.agency_requests"))
    fields = build_fields(schema, posted.answers, posted.errors, rows_shown=posted.rows)
    return render_template("information_requests/answer.html", request_=found, task=task, fields=fields,
                           errors=error_list(fields), schema=schema, due=found.due, now=utc_now()), \
        (400 if posted.errors else 200)
