"""The closing step's page: the case's open work, each item with what happens to it. Thin: form in, services, out."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.closure import services
from webapp.columns import utc_now
from webapp.database import undone_if_refused
from webapp.errors import InvalidInput
from webapp.meetings.services import configured_mailing
from webapp.shell.security import acting_user, request_origin

blueprint = Blueprint("closure", __name__)


@blueprint.route("/cases/<int:case_id>/steps/<task_id>/open-work", methods=["GET", "POST"])
@login_required
def closing_step(case_id: int, task_id: str):
    """Before a case closes: each open action, request, meeting and escalation, with what happens to it."""
    actor, now = acting_user(), utc_now()
    current = services.closing_step(actor, case_id, task_id, origin=request_origin(), now=now,
                                    audit=request.method == "GET")
    errors, form = {}, request.form
    if request.method == "POST":
        given = {key: services.Disposition(form.get(key, ""), form.get(f"{key}-reason", ""),
                                           form.get(f"{key}-handed-to", "")) for key in current.work.keys}
        try:
            with undone_if_refused():
                services.complete_closing_step(actor, case_id, task_id, given, set(form.get("shown", "").split()),
                                               mailing=configured_mailing(), origin=request_origin(), now=now)
        except InvalidInput as invalid:
            errors = invalid.field_errors
            current = services.closing_step(actor, case_id, task_id, origin=request_origin(), now=now, audit=False)
        else:
            flash(f"Open work checked: case {current.step.case.reference} is closed", "success")
            return redirect(url_for("cases.case_page", case_id=case_id))
    return render_template("closure/closing_step.html", current=current, errors=errors, form=form,
                           posted=request.method == "POST", action_choices=services.ACTION_CHOICES,
                           request_choices=services.REQUEST_CHOICES, meeting_choices=services.MEETING_CHOICES,
                           meeting_label=services.meeting_label), (400 if errors else 200)
