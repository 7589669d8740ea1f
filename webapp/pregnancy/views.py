"""Pages: a midwife notifies; health visiting lists and acknowledges; children's social care confirms a household."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.cases.choices import choice_provider
from webapp.columns import utc_now
from webapp.database import undone_if_refused
from webapp.errors import InvalidInput
from webapp.pregnancy import matching, services
from webapp.shell.form_pages import Posted, post_schema_form
from webapp.shell.schema_forms import build_fields, describe_answers, error_list
from webapp.shell.security import acting_user, request_origin

blueprint = Blueprint("pregnancy", __name__)


@blueprint.route("/pregnancy-notifications")
@login_required
def agency_list():
    text = request.args.get("q", "")
    notifications = services.notifications_for_agency(acting_user(), text)
    return render_template("pregnancy/list.html", notifications=notifications, q=text,
                           dues=services.acknowledgement_dues(notifications))


@blueprint.route("/pregnancy-notifications/new", methods=["GET", "POST"])
@login_required
def notify():
    actor = acting_user()
    services.require_midwife(actor)
    posted = Posted()
    if request.method == "POST":
        posted = post_schema_form(services.NOTIFICATION_FORM, request.form, lambda answers: services.notify_pregnancy(
            actor, answers, origin=request_origin(), now=utc_now()))
        if posted.saved:
            flash(f"Notification {posted.result.reference} sent to {posted.result.health_visiting_agency.name}",
                  "success")
            return redirect(url_for("pregnancy.agency_list"))
    fields = build_fields(services.NOTIFICATION_FORM, posted.answers, posted.errors, provider=choice_provider(None),
                          rows_shown=posted.rows)
    return render_template("pregnancy/new.html", fields=fields, errors=error_list(fields)), \
        (400 if posted.errors else 200)


@blueprint.route("/pregnancy-notifications/<int:notification_id>", methods=["GET", "POST"])
@login_required
def notification_page(notification_id: int):
    actor = acting_user()
    notification, task = services.open_notification(actor, notification_id, origin=request_origin())
    schema, posted = services.acknowledgement_form(notification), Posted()
    if request.method == "POST" and task is not None:
        posted = post_schema_form(schema, request.form, lambda answers: services.acknowledge(
            actor, notification_id, answers, origin=request_origin(), now=utc_now()))
        if posted.saved:
            flash(f"Notification {notification.reference} acknowledged; the midwife has been told", "success")
            return redirect(url_for("pregnancy.agency_list"))
    fields = build_fields(schema, posted.answers, posted.errors, rows_shown=posted.rows)
    return render_template("pregnancy/notification.html", notification=notification, task=task, fields=fields,
                           errors=error_list(fields), due=services.acknowledgement_due(notification),
                           details=describe_answers(services.NOTIFICATION_FORM, notification.details,
                                                    choice_provider(None)),
                           acknowledgement=describe_answers(schema, notification.acknowledgement or {})), \
        (400 if posted.errors else 200)


@blueprint.route("/pregnancy-notifications/known-families")
@login_required
def known_families():
    matches = matching.matches_for_social_care(acting_user(), origin=request_origin())
    return render_template("pregnancy/known_families.html", matches=matches)


@blueprint.route("/pregnancy-notifications/<int:notification_id>/household", methods=["GET", "POST"])
@login_required
def household(notification_id: int):
    actor = acting_user()
    error = None
    if request.method == "POST":
        choice = request.form.get("household", "")
        if choice == "none" or choice.isdecimal():
            try:
                with undone_if_refused():
                    matching.decide_match(actor, notification_id, int(choice) if choice.isdecimal() else None,
                                          origin=request_origin(), now=utc_now())
            except InvalidInput as invalid:
                error = invalid.field_errors["household"]
            else:
                flash("The unborn baby is now linked to the household" if choice.isdecimal()
                      else "Recorded: the mother does not belong to these households", "success")
                return redirect(url_for("pregnancy.known_families"))
        else:
            error = "Select the household the mother belongs to, or that she belongs to none of them"
    match = matching.open_match(actor, notification_id, origin=request_origin())
    return render_template("pregnancy/household.html", match=match, error=error), (400 if error else 200)
