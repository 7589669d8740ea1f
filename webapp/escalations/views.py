"""Escalation pages: raise one (stopping first if the child is at immediate risk), the shared record with each
stage's forms, the list, and the managers' and partnership's report with its CSV."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.columns import LONDON, utc_now
from webapp.database import undone_if_refused
from webapp.errors import InvalidInput
from webapp.escalations import reports, services
from webapp.escalations.models import CATEGORIES
from webapp.escalations.report_chart import bar_charts
from webapp.shell.date_input import DateInput, filled, read_date_range
from webapp.shell.security import acting_user, request_origin

blueprint = Blueprint("escalations", __name__, url_prefix="/escalations")
ACTION_ROWS = 3


@blueprint.route("/new", methods=["GET", "POST"])
@login_required
def raise_page():
    actor, form, errors = acting_user(), request.form, {}
    if request.method == "POST":
        challenge = services.Challenge(form.get("immediate_risk", ""), form.get("about", ""), form.get("category", ""),
                                       form.get("description", ""), form.get("risk_now", ""),
                                       form.get("outcome_sought", ""))
        try:
            with undone_if_refused(services.ImmediateRisk):
                escalation = services.raise_escalation(actor, challenge, origin=request_origin(), now=utc_now())
        except services.ImmediateRisk:
            return render_template("escalations/stop.html")
        except InvalidInput as invalid:
            errors = invalid.field_errors
        else:
            flash("Escalation raised at stage 1: both holders have been told", "success")
            return redirect(url_for("escalations.record", escalation_id=escalation.id))
    return render_template("escalations/new.html", options=services.challengeable(actor), categories=CATEGORIES,
                           errors=errors, form=form), (400 if errors else 200)


@blueprint.route("/")
@login_required
def index():
    actor = acting_user()
    mine = services.my_escalations(actor)
    overview = reports.open_escalations(actor, utc_now()) if actor.has_role(*reports.OVERSIGHT_ROLES) else None
    return render_template("escalations/index.html", mine=mine, overview=overview,
                           may_raise=bool(services.challengeable(actor)), now=utc_now())


@blueprint.route("/<int:escalation_id>")
@login_required
def record(escalation_id: int, errors=None, status=200):
    actor = acting_user()
    escalation = services.get_escalation(actor, escalation_id, origin=request_origin())
    stage = escalation.current_stage
    awaiting = stage is not None and escalation.status == "open" and stage.awaiting_confirmation
    return render_template("escalations/record.html", escalation=escalation, stage=stage, errors=errors or {},
                           form=request.form, rows=range(ACTION_ROWS),
                           holds=stage is not None and actor.id in {stage.raiser_holder_id, stage.responder_holder_id},
                           raiser_side=stage is not None and actor.id == stage.raiser_holder_id,
                           awaiting=awaiting, confirmation_due=services.confirmation_due(escalation) if awaiting else None,
                           may_confirm=awaiting and actor.id in {stage.raiser_holder_id, escalation.raised_by_id}), status


def _act(escalation_id: int, do, done):
    """Run the change and commit; `done` is the message, or makes it from the escalation changed."""
    try:
        with undone_if_refused():
            changed = do()
    except InvalidInput as invalid:
        return record(escalation_id, errors=invalid.field_errors, status=400)
    flash(done(changed) if callable(done) else done, "success")
    return redirect(url_for("escalations.record", escalation_id=escalation_id))


@blueprint.route("/<int:escalation_id>/entries", methods=["POST"])
@login_required
def add_entry(escalation_id: int):
    rows = [{"action": request.form.get(f"actions-{i}-action", ""), "owner": request.form.get(f"actions-{i}-owner", ""),
             "due_on": _date(request.form, f"actions-{i}-due_on")} for i in range(ACTION_ROWS)]
    return _act(escalation_id, lambda: services.add_entry(acting_user(), escalation_id, request.form.get("discussion", ""),
                                                          rows, origin=request_origin(), now=utc_now()),
                "Recorded: both sides see it on this page")


@blueprint.route("/<int:escalation_id>/resolve", methods=["POST"])
@login_required
def resolve(escalation_id: int):
    return _act(escalation_id, lambda: services.resolve(acting_user(), escalation_id, request.form.get("statement", ""),
                                                        origin=request_origin(), now=utc_now()),
                lambda escalation: "Resolved: the outcome statement is on the case record and every party has "
                                   "been told" if escalation.status == "resolved" else
                                   "Outcome statement recorded: the side that raised it has been asked to confirm it")


@blueprint.route("/<int:escalation_id>/confirm", methods=["POST"])
@login_required
def confirm(escalation_id: int):
    """The raiser's side answers "Confirm the agreed outcome": agreed, or not agreed with a reason."""
    answer = request.form.get("outcome_agreed", "")
    if answer == "yes":
        return _act(escalation_id, lambda: services.confirm_outcome(acting_user(), escalation_id, origin=request_origin(),
                                                                    now=utc_now()),
                    "Agreed: the outcome statement is on the case record and every party has been told")
    if answer == "no":
        return _act(escalation_id, lambda: services.disagree_outcome(
            acting_user(), escalation_id, request.form.get("disagreement", ""), origin=request_origin(), now=utc_now()),
            "Not agreed: the escalation has moved to the next stage and its holders have been told")
    return record(escalation_id, errors={"outcome_agreed": "Select whether you agree with the outcome statement"},
                  status=400)


@blueprint.route("/<int:escalation_id>/not-resolved", methods=["POST"])
@login_required
def not_resolved(escalation_id: int):
    return _act(escalation_id, lambda: services.not_resolved(acting_user(), escalation_id, request.form.get("reason", ""),
                                                             origin=request_origin(), now=utc_now()),
                "Taken to the next stage: its holders have been told")


def _date(form, prefix: str) -> str:
    parts = [form.get(f"{prefix}-{part}", "").strip() for part in ("year", "month", "day")]
    if not any(parts):
        return ""
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat()
    except ValueError:
        return "invalid"


REPORT_RANGE = (("from", "the start date"), ("to", "the end date"))


def _range() -> tuple[date, date, DateInput, DateInput, list[tuple[str, str]]]:
    """The report's dates: those typed (GOV.UK date inputs) or the last twelve months. A date that cannot be read
    is refused with its message and the report shows the last twelve months: nothing is filtered on it."""
    start, end = read_date_range(request.args, *REPORT_RANGE)
    errors = [(field.error, field.error_href) for field in (start, end) if field.error]
    today = utc_now().astimezone(LONDON).date()
    first, last = (None, None) if errors else (start.value, end.value)
    last = last or max(today, first or today)
    first = first or last - timedelta(days=365)
    if not errors:
        start, end = filled(start.name, first), filled(end.name, last)
    return first, last, start, end, errors


@blueprint.route("/report")
@login_required
def report():
    first, last, start, end, errors = _range()
    found = reports.partnership_report(acting_user(), first, last, origin=request_origin())
    return render_template("escalations/report.html", report=found, start=start, end=end, errors=errors,
                           charts=bar_charts(found),
                           shown=filled(start.name, first).query() | filled(end.name, last).query()), \
        400 if errors else 200


@blueprint.route("/report.csv")
@login_required
def report_csv():
    first, last, _, _, errors = _range()
    if errors:
        return "\n".join(message for message, _ in errors) + "\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
    found = reports.partnership_report(acting_user(), first, last, origin=request_origin())
    return reports.report_csv(found), 200, {
        "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="escalations-{first}-to-{last}.csv"'}
