"""Minutes pages: writing them (the meeting's minutes step, or a correction), the chair's approval, reading
issued versions and their PDFs (staff; invited agency practitioners; family members by personal link), and the
case's tracked actions."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.cases.access import can_do_step
from webapp.cases.views import continue_after
from webapp.columns import LONDON, utc_now
from webapp.database import undone_if_refused
from webapp.documents.models import Document
from webapp.documents.services import downloadable
from webapp.errors import InvalidInput
from webapp.meetings.services import may_convene
from webapp.minutes import access, personal_links, services
from webapp.minutes.distribution import LinkExpired, LinkRefused, configured_links
from webapp.minutes.reviews import configured_cadence
from webapp.shell.schema_forms import build_fields, error_list, read_form
from webapp.shell.security import acting_user, request_origin

blueprint = Blueprint("minutes", __name__)
blueprint.add_app_template_global(services.where_set, "action_set_where")


def _edit(meeting, version, save, *, heading: str, submit_text: str, done: str, circulate_by=None, step_of=None):
    """The minutes form (step or correction): draft saves, rows added or removed, or sent for approval. For the
    step (`step_of` its case id), the writer then goes on as after any step."""
    errors, rows_shown = {}, {}
    if request.method == "GET":
        content = version.content if version else services.starting_content(meeting)
        family = version.family_distribution if version else [
            member.id for member in meeting.case.child.household.members
            if member.email and member.has_parental_responsibility]
    else:
        action, content, errors, rows_shown = read_form(services.CONTENT_SCHEMA, request.form)
        family = [int(value) for value in request.form.getlist("family") if value.isdecimal()]
        if action in {"draft", "submit"} and not (action == "submit" and errors):
            try:
                with undone_if_refused():
                    save(content, family, submit=action == "submit")
            except InvalidInput as invalid:
                errors = invalid.field_errors
            else:
                if action == "submit" and step_of is not None:
                    return continue_after(acting_user(), step_of, done)
                flash(done if action == "submit" else "Draft saved", "success")
                return redirect(url_for("minutes.read", meeting_id=meeting.id) if action == "submit" else request.url)
        if action != "submit":
            errors = {}
    fields = build_fields(services.CONTENT_SCHEMA, content, errors, rows_shown=rows_shown)
    return render_template("minutes/write.html", meeting=meeting, version=version, fields=fields,
                           errors=error_list(fields), heading=heading, submit_text=submit_text,
                           agenda=services.agenda_for(meeting), family=services.family_choices(meeting), chosen=family,
                           circulate_by=circulate_by), \
        (400 if errors else 200)


@blueprint.route("/cases/<int:case_id>/steps/<task_id>/minutes", methods=["GET", "POST"])
@login_required
def write_step(case_id: int, task_id: str):
    actor = acting_user()
    _, meeting, version = services.writing_step(actor, case_id, task_id, origin=request_origin(),
                                                audit=request.method == "GET")

    def save(content, family, submit):
        services.save_minutes(actor, case_id, task_id, content, family, submit=submit,
                              cadence=configured_cadence(), origin=request_origin(), now=utc_now())

    return _edit(meeting, version, save, heading="Write the minutes", submit_text="Send to the chair for approval",
                 done="Minutes sent to the chair for approval", circulate_by=services.circulation_due(meeting),
                 step_of=case_id)


@blueprint.route("/cases/<int:case_id>/steps/<task_id>/approve-minutes", methods=["GET", "POST"])
@login_required
def approve_step(case_id: int, task_id: str):
    actor = acting_user()
    _, version = services.approval_step(actor, case_id, task_id, origin=request_origin(),
                                        audit=request.method == "GET")

    def approve():
        services.approve_step(actor, case_id, task_id, links=configured_links(), origin=request_origin(),
                              now=utc_now())

    def send_back(reason):
        services.return_step(actor, case_id, task_id, reason, origin=request_origin(), now=utc_now())

    return _decide(version, approve, send_back, circulate_by=services.circulation_due(version.meeting),
                   step_of=case_id)


def _decide(version, approve, send_back, circulate_by=None, step_of=None):
    """The chair reads the draft and issues it or sends it back with a reason. For the step (`step_of` its case
    id), the chair then goes on as after any step."""
    error = None
    decision = request.form.get("decision") if request.method == "POST" else None
    if decision == "approve":
        approve()
        issued = "Minutes issued: everyone on the distribution list has been told; the PDF is being prepared"
        if step_of is not None:
            return continue_after(acting_user(), step_of, issued)
        flash(issued, "success")
        return redirect(url_for("minutes.read", meeting_id=version.meeting_id))
    elif decision == "return":
        try:
            with undone_if_refused():
                send_back(request.form.get("reason", ""))
        except InvalidInput as invalid:
            error = invalid.field_errors["reason"]
        else:
            flash("Minutes sent back to the writer with your reason", "success")
            return redirect(url_for("cases.case_page", case_id=version.case_id))
    elif request.method == "POST":
        error = "Select whether to approve the minutes or send them back"
    return render_template("minutes/approve.html", version=version, meeting=version.meeting,
                           content=version.content, error=error, form=request.form,
                           schema=services.CONTENT_SCHEMA, circulate_by=circulate_by), (400 if error else 200)


@blueprint.route("/meetings/<int:meeting_id>/minutes")
@login_required
def read(meeting_id: int):
    actor = acting_user()
    meeting = access.require_meeting_reader(actor, meeting_id)
    staff = access.reads_as_staff(actor, meeting)
    versions = [v for v in services.versions_of(meeting_id) if staff or v.readable]
    services.record_minutes_view(actor, meeting, origin=request_origin())
    return render_template("minutes/read.html", meeting=meeting, versions=versions, staff=staff,
                           may_correct=staff and may_convene(actor, meeting.case),
                           may_approve=staff and can_do_step(actor, meeting.case, "team_manager"),
                           schema=services.CONTENT_SCHEMA)


@blueprint.route("/meetings/<int:meeting_id>/minutes/correction", methods=["POST"])
@login_required
def start_correction(meeting_id: int):
    try:
        with undone_if_refused():
            services.start_correction(acting_user(), meeting_id, request.form.get("reason", ""), origin=request_origin(),
                                      now=utc_now())
    except InvalidInput as invalid:
        flash(invalid.field_errors["reason"], "error")
        return redirect(url_for("minutes.read", meeting_id=meeting_id))
    return redirect(url_for("minutes.edit_correction", meeting_id=meeting_id))


@blueprint.route("/meetings/<int:meeting_id>/minutes/correction/edit", methods=["GET", "POST"])
@login_required
def edit_correction(meeting_id: int):
    actor = acting_user()
    version = services.correction(actor, meeting_id, "draft")

    def save(content, family, submit):
        services.save_correction(actor, meeting_id, content, family, submit=submit,
                                 cadence=configured_cadence(), origin=request_origin(), now=utc_now())

    return _edit(version.meeting, version, save, heading=f"Correct the minutes: version {version.number}",
                 submit_text="Send the correction for approval", done="Correction sent for approval")


@blueprint.route("/meetings/<int:meeting_id>/minutes/correction/approve", methods=["GET", "POST"])
@login_required
def approve_correction(meeting_id: int):
    actor = acting_user()
    version = services.correction(actor, meeting_id, "submitted")

    def approve():
        services.approve_correction(actor, meeting_id, links=configured_links(), origin=request_origin(),
                                    now=utc_now())

    def send_back(reason):
        services.return_correction(actor, meeting_id, reason, origin=request_origin())

    return _decide(version, approve, send_back)


@blueprint.route("/documents/<int:document_id>.pdf")
@login_required
def document(document_id: int):
    found = downloadable(acting_user(), document_id, origin=request_origin())
    return _pdf_response(found)


def _pdf_response(found: Document):
    return found.pdf, 200, {"Content-Type": "application/pdf", "Cache-Control": "no-store",
                            "Content-Disposition": f'inline; filename="{found.filename}"'}


@blueprint.route("/minutes/<token>")
def by_link(token: str):
    """A family member's (or guest's) personal link: the meeting and a download button; no sign-in."""
    try:
        with undone_if_refused(LinkRefused, LinkExpired):
            meeting, version, name = personal_links.minutes_for_link(token, configured_links(),
                                                                     origin=request_origin())
    except (LinkRefused, LinkExpired) as problem:
        return render_template("minutes/link_problem.html", expired=isinstance(problem, LinkExpired)), 410
    return render_template("minutes/by_link.html", meeting=meeting, version=version, name=name, token=token,
                           starts=meeting.starts_at.astimezone(LONDON))


@blueprint.route("/minutes/<token>/pdf")
def pdf_by_link(token: str):
    try:
        with undone_if_refused(LinkRefused, LinkExpired):
            found = personal_links.document_for_link(token, configured_links(), origin=request_origin())
    except (LinkRefused, LinkExpired) as problem:
        return render_template("minutes/link_problem.html", expired=isinstance(problem, LinkExpired)), 410
    if found is None:
        abort(404)
    return _pdf_response(found)


@blueprint.route("/cases/<int:case_id>/actions/<int:action_id>/done", methods=["POST"])
@login_required
def action_done(case_id: int, action_id: int):
    """From the case page, or from the owner's home page (an agency practitioner sees no case page)."""
    action = services.mark_done(acting_user(), case_id, action_id, origin=request_origin(), now=utc_now())
    flash(f"Action marked as done: {action.action}", "success")
    if request.form.get("back_to") == "home":
        return redirect(url_for("frame.home") + "#actions-i-own")
    return redirect(url_for("cases.case_page", case_id=case_id) + "#actions")


@blueprint.route("/my-meetings")
@login_required
def my_meetings():
    meetings = services.meetings_invited_to(acting_user(), origin=request_origin())
    return render_template("minutes/my_meetings.html", meetings=meetings, now=utc_now())
