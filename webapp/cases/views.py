"""Case pages: my tasks, cases, a case, a new referral, a step, reallocation. Thin: forms in, services, out."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.audit.lines import audit_lines
from webapp.cases import referrals, services, steps
from webapp.cases.choices import choice_provider
from webapp.cases.dashboard import team_dashboard
from webapp.cases.evidence import evidence_for
from webapp.cases.flags import concern_flags
from webapp.cases.models import STAGE_LABELS
from webapp.cases.next_step import after_step
from webapp.cases.queries import (
    CASE_DIRECTIONS, CASE_ORDERS, TASK_ORDERS, case_scopes, count_my_tasks, my_tasks, search_cases,
)
from webapp.cases.subject_access import export_child
from webapp.cases.tables import case_tables
from webapp.columns import utc_now
from webapp.database import undone_if_refused
from webapp.errors import InvalidInput
from webapp.shell.schema_forms import build_fields, error_list, read_form
from webapp.shell.security import acting_user, request_origin

blueprint = Blueprint("cases", __name__)
TASKS_PAGE = 50
blueprint.add_app_template_global(concern_flags, "concern_flags")


def continue_after(actor, case_id: int, done: str):
    """After a step is done: the person's own next step on the case if they have one (they land on it), else the
    case page; the banner says what was done and what happens next."""
    after = after_step(actor, case_id, utc_now())
    if after.yours is not None:
        flash(f"{done}. Your next step on case {after.case.reference}: '{after.yours.name}'.", "success")
        return redirect(url_for("cases.step", case_id=case_id, task_id=after.yours.task_id))
    flash(f"{done}. {after.what_happens_next}", "success")
    return redirect(url_for("cases.case_page", case_id=case_id))


def _form_page(template: str, schema: dict, answers: dict, errors: dict, rows_shown: dict, team_id, case_id=None,
               **context):
    fields = build_fields(schema, answers, errors, provider=choice_provider(team_id, case_id), rows_shown=rows_shown)
    return render_template(template, fields=fields, errors=error_list(fields), schema=schema, **context), \
        (400 if errors else 200)


@blueprint.route("/tasks")
@login_required
def tasks():
    """My tasks, server-side: sorted by due date (the default), case, step or waiting time; only the overdue or
    those due soon; TASKS_PAGE a page."""
    actor, now = acting_user(), utc_now()
    order = request.args.get("sort", "due") if request.args.get("sort") in TASK_ORDERS else "due"
    due = request.args.get("show") if request.args.get("show") in {"overdue", "soon"} else None
    total = count_my_tasks(actor, due=due, now=now)
    pages = max(1, -(-total // TASKS_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    rows = my_tasks(actor, TASKS_PAGE, order=order, due=due, now=now, offset=(page - 1) * TASKS_PAGE)
    return render_template("cases/my_tasks.html", rows=rows, now=now, order=order, show=due, total=total,
                           page=page, pages=pages)


@blueprint.route("/dashboard")
@login_required
def dashboard():
    return render_template("cases/dashboard.html", board=team_dashboard(acting_user(), utc_now()))


@blueprint.route("/cases")
@login_required
def case_list():
    """Cases, server-side: searched, filtered by stage and whose they are, sorted by a column, a page at a time;
    the query string keeps every choice, so paging and sorting keep the filters."""
    actor = acting_user()
    text, stage = request.args.get("q", ""), request.args.get("stage", "")
    scopes = case_scopes(actor)
    scope = request.args.get("show", "") if request.args.get("show", "") in scopes else ""
    order = request.args.get("sort", "opened") if request.args.get("sort") in CASE_ORDERS else "opened"
    direction = request.args.get("dir") if request.args.get("dir") in {"asc", "desc"} else CASE_DIRECTIONS[order]
    result = search_cases(actor, text, stage, request.args.get("page", 1, type=int), scope=scope, order=order,
                          descending=direction == "desc")
    # What the sort links keep (the filters) and the page links too (the sort); empty choices left out.
    kept = {"q": text or None, "stage": stage or None, "show": scope or None}
    paged = kept if (order, direction) == ("opened", CASE_DIRECTIONS["opened"]) else {**kept, "sort": order,
                                                                                        "dir": direction}
    return render_template("cases/list.html", result=result, q=text, stage=stage, stages=STAGE_LABELS, scope=scope,
                           scopes=scopes, order=order, direction=direction, kept=kept, paged=paged,
                           directions=CASE_DIRECTIONS, now=utc_now())


@blueprint.route("/cases/<int:case_id>")
@login_required
def case_page(case_id: int):
    view = services.view_case(acting_user(), case_id, origin=request_origin(), now=utc_now())
    return render_template("cases/case.html", view=view, case=view.case)


@blueprint.route("/cases/<int:case_id>/diagram.json")
@login_required
def case_diagram(case_id: int):
    diagram = services.case_diagram(acting_user(), case_id, origin=request_origin())
    return diagram, 200, {"Cache-Control": "no-store"}


@blueprint.route("/cases/<int:case_id>/history/<int:record_id>/correct", methods=["GET", "POST"])
@login_required
def correct_step(case_id: int, record_id: int):
    """A new version of a completed step's answers, with the reason; the history keeps both."""
    actor = acting_user()
    case, record, schema = steps.correction_form(actor, case_id, record_id)
    if request.method == "GET":
        return _form_page("cases/correct.html", schema, record.current_answers, {}, {}, case.team_id, case.id, case=case,
                          record=record, reason="", reason_error=None)
    action, answers, errors, rows_shown = read_form(schema, request.form)
    reason = request.form.get("correction_reason", "")
    if action == "submit" and not errors:
        try:
            with undone_if_refused():
                steps.correct_step(actor, case_id, record_id, answers, reason, origin=request_origin(), now=utc_now())
        except InvalidInput as invalid:
            errors = invalid.field_errors
        else:
            flash(f"'{record.step_name}' corrected: the history shows both versions", "success")
            return redirect(url_for("cases.case_page", case_id=case_id) + f"#history-{record_id}")
    return _form_page("cases/correct.html", schema, answers, errors if action == "submit" else {}, rows_shown,
                      case.team_id, case.id, case=case, record=record, reason=reason,
                      reason_error=errors.get("correction_reason") if action == "submit" else None)


@blueprint.route("/cases/<int:case_id>/audit")
@login_required
def case_audit(case_id: int):
    page = max(request.args.get("page", 1, type=int), 1)
    case, events, more = services.case_audit(acting_user(), case_id, page=page, origin=request_origin())
    return render_template("cases/audit.html", case=case, lines=audit_lines(events), page=page, more=more)


@blueprint.route("/children/<int:child_id>/subject-access.zip")
@login_required
def subject_access(child_id: int):
    name, archive = export_child(acting_user(), child_id, origin=request_origin(), now=utc_now())
    return archive, 200, {"Content-Type": "application/zip", "Cache-Control": "no-store",
                          "Content-Disposition": f'attachment; filename="{name}"'}


@blueprint.route("/referrals/new", methods=["GET", "POST"])
@login_required
def new_referral():
    actor = acting_user()
    schema = referrals.referral_form(actor)
    if request.method == "GET":
        draft = referrals.referral_draft(actor)
        return _form_page("cases/new_referral.html", schema, draft.answers if draft else {}, {}, {}, actor.team_id,
                          draft=draft)
    action, answers, errors, rows_shown = read_form(schema, request.form)
    if action == "draft":
        referrals.save_referral_draft(actor, answers, origin=request_origin(), now=utc_now())
        flash("Draft saved. You can come back to it from 'New referral'.", "success")
        return redirect(url_for("cases.new_referral"))
    if action == "submit" and not errors:
        try:
            answers = referrals.check_referral(actor, answers)
        except InvalidInput as invalid:
            errors = invalid.field_errors
        else:
            if referrals.find_household_matches(actor, answers, origin=request_origin()):
                referrals.save_referral_draft(actor, answers, origin=request_origin(), now=utc_now())
                return redirect(url_for("cases.referral_household"))
            return _create_referral(actor, answers, None)
    return _form_page("cases/new_referral.html", schema, answers, errors if action == "submit" else {}, rows_shown,
                      actor.team_id, draft=None)


@blueprint.route("/referrals/agency/new", methods=["GET", "POST"])
@login_required
def agency_referral():
    """A partner agency's practitioner refers online; the case goes to the team's referral decision."""
    actor = acting_user()
    schema = referrals.agency_referral_form(actor)
    if request.method == "GET":
        return _form_page("cases/agency_referral.html", schema, {"referrer_name": actor.full_name,
                                                                 "referrer_agency": actor.agency.name,
                                                                 "referrer_contact": actor.email}, {}, {}, None)
    action, answers, errors, rows_shown = read_form(schema, request.form)
    if action == "submit" and not errors:
        try:
            with undone_if_refused():
                case = referrals.create_agency_referral(actor, answers, origin=request_origin(), now=utc_now())
        except InvalidInput as invalid:
            errors = invalid.field_errors
        else:
            flash(f"Referral made: case {case.reference}. Children's social care will decide within one working day.",
                  "success")
            return redirect(url_for("cases.my_referrals"))
    return _form_page("cases/agency_referral.html", schema, answers, errors if action == "submit" else {},
                      rows_shown, None)


@blueprint.route("/referrals/mine")
@login_required
def my_referrals():
    made = referrals.referrals_made(acting_user(), origin=request_origin())
    return render_template("cases/my_referrals.html", made=made)


@blueprint.route("/referrals/new/household", methods=["GET", "POST"])
@login_required
def referral_household():
    actor = acting_user()
    draft = referrals.referral_draft(actor)
    if draft is None:
        return redirect(url_for("cases.new_referral"))
    choice = request.form.get("household", "")
    error = "Select the household this child belongs to, or a new household" if request.method == "POST" else None
    if request.method == "POST" and (choice == "new" or choice.isdecimal()):
        try:
            with undone_if_refused():
                return _create_referral(actor, draft.answers, int(choice) if choice.isdecimal() else None)
        except InvalidInput as invalid:  # a household not offered: nothing saved
            error = invalid.field_errors.get("household", str(invalid))
    matches = referrals.find_household_matches(actor, draft.answers, origin=request_origin())
    return render_template("cases/household_match.html", matches=matches, answers=draft.answers, error=error), \
        (400 if error else 200)


def _create_referral(actor, answers: dict, household_id: int | None):
    case = referrals.create_referral(actor, answers, household_id, origin=request_origin(), now=utc_now())
    referrals.discard_referral_draft(actor)
    flash(f"Referral recorded as case {case.reference}", "success")
    return redirect(url_for("cases.case_page", case_id=case.id))


@blueprint.route("/cases/<int:case_id>/steps/<task_id>", methods=["GET", "POST"])
@login_required
def step(case_id: int, task_id: str):
    actor = acting_user()
    current = steps.open_step(actor, case_id, task_id, origin=request_origin(), audit=request.method == "GET")
    if steps.done_on_own_page(current.task.form_key):
        return redirect(url_for(case_tables().step_pages[current.task.form_key], case_id=case_id, task_id=task_id))
    shown = evidence_for(actor, current.case, current.task.form_key)
    if request.method == "GET":
        return _form_page("cases/step.html", current.schema, steps.starting_answers(current, now=utc_now()), {}, {},
                          current.case.team_id, current.case.id, step=current, evidence=shown)
    action, answers, errors, rows_shown = read_form(current.schema, request.form)
    if action == "draft":
        steps.save_draft(actor, case_id, task_id, answers, origin=request_origin(), now=utc_now())
        flash("Draft saved", "success")
        return redirect(url_for("cases.step", case_id=case_id, task_id=task_id))
    if action == "submit" and not errors:
        try:
            with undone_if_refused():
                steps.complete_step(actor, case_id, task_id, answers, origin=request_origin(), now=utc_now())
        except InvalidInput as invalid:
            errors = invalid.field_errors
        else:
            return continue_after(actor, case_id, f"'{current.task.name}' completed")
    return _form_page("cases/step.html", current.schema, answers, errors if action == "submit" else {}, rows_shown,
                      current.case.team_id, current.case.id, step=current, evidence=shown)


@blueprint.route("/cases/<int:case_id>/allocation", methods=["GET", "POST"])
@login_required
def reallocate(case_id: int):
    actor = acting_user()
    case, choices = services.reallocation_choices(actor, case_id,
                                                  origin=request_origin() if request.method == "GET" else None)
    error = None
    if request.method == "POST":
        worker = request.form.get("worker_id", "")
        try:
            with undone_if_refused():
                services.reallocate_case(actor, case_id, int(worker) if worker.isdecimal() else None, origin=request_origin())
        except InvalidInput as invalid:
            error = invalid.field_errors["worker_id"]
        else:
            flash(f"Case {case.reference} reallocated", "success")
            return redirect(url_for("cases.case_page", case_id=case_id))
    return render_template("cases/reallocate.html", case=case, choices=choices, error=error), (400 if error else 200)
