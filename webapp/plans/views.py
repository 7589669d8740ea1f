"""Marking an action done from the home page: a page that asks first (what the action is, on which case, by
when), then the button marks it. Agency practitioners see no case page, so this is where they follow up."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.columns import LONDON, utc_now
from webapp.plans import services
from webapp.references import case_reference
from webapp.shell.security import acting_user, request_origin

blueprint = Blueprint("plans", __name__)


@blueprint.route("/cases/<int:case_id>/actions/<int:action_id>/mark-done", methods=["GET", "POST"])
@login_required
def mark_done(case_id: int, action_id: int):
    actor = acting_user()
    if request.method == "POST":
        action = services.mark_action_done(actor, case_id, action_id, origin=request_origin(), now=utc_now())
        flash(f"Action marked as done: {action.action}", "success")
        return redirect(url_for("frame.home") + "#actions-i-own")
    action = services.action_to_mark(actor, case_id, action_id)
    return render_template("plans/mark_done.html", action=action, reference=case_reference(case_id),
                           today=utc_now().astimezone(LONDON).date())
