"""Meeting pages: the convene and attendance steps of the meeting process, the meeting page (for its staff, with
answers and changes; for an invited practitioner, what it is for, the agenda and their own answer), and the
personal answer links (no sign-in: GET shows a confirmation page, only the button records)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.cases.views import continue_after
from webapp.columns import LONDON, utc_now
from webapp.database import undone_if_refused
from webapp.errors import InvalidInput
from webapp.meetings import access, answers, briefing, feed, services
from webapp.meetings.inbox import open_proposals
from webapp.meetings.models import ATTENDANCE_LABELS, ROLE_LABELS
from webapp.shell.schema_forms import parse_submission
from webapp.shell.security import acting_user, request_origin

blueprint = Blueprint("meetings", __name__)
DURATIONS = (("60", "1 hour"), ("90", "1 hour 30 minutes"), ("120", "2 hours"))
WHEN_FORM = {"properties": {"date": {"type": "string", "format": "date", "title": "Date"}}}


def _when(form) -> tuple[datetime | None, datetime | None]:
    """Date, time (HH:MM) and duration from the form, as aware UTC datetimes; None where they do not exist."""
    answers, _ = parse_submission(WHEN_FORM, form)
    try:
        hours, minutes = (int(part) for part in form.get("time", "").strip().replace(".", ":").split(":"))
        day = datetime.fromisoformat(answers["date"]).date()
        starts = datetime.combine(day, time(hours, minutes), tzinfo=LONDON)
    except (KeyError, ValueError):
        return None, None
    duration = form.get("duration", "")
    return starts, starts + timedelta(minutes=int(duration)) if duration.isdecimal() else None


def _someone(form) -> services.Someone:
    """The "someone else" fields of the convene and meeting pages."""
    return services.Someone(form.get("other_name", ""), form.get("other_email", ""), form.get("other_role", "required"))


@blueprint.route("/cases/<int:case_id>/steps/<task_id>/convene", methods=["GET", "POST"])
@login_required
def convene(case_id: int, task_id: str):
    actor = acting_user()
    step = services.meeting_step(actor, case_id, task_id, services.CONVENE_FORM, origin=request_origin(),
                                 audit=request.method == "GET")
    offered = services.candidates(actor, case_id)
    errors, form = {}, request.form
    if request.method == "POST":
        starts_at, ends_at = _when(form)
        try:
            with undone_if_refused():
                meeting = services.convene(
                    actor, case_id, task_id, starts_at=starts_at, ends_at=ends_at, location=form.get("location", ""),
                    chosen=form.getlist("invitees"), roles={c.key: form.get(f"role-{c.key}", c.role) for c in offered},
                    someone=_someone(form), mailing=services.configured_mailing(), origin=request_origin(), now=utc_now())
        except InvalidInput as invalid:
            errors = invalid.field_errors
        else:
            flash("Meeting convened: the invitations are on their way", "success")
            return redirect(url_for("meetings.meeting_page", meeting_id=meeting.id))
    return render_template("meetings/convene.html", case=step.case, step=step, kind=services.convene_kind(step),
                           offered=offered, errors=errors, form=form, durations=DURATIONS, roles=ROLE_LABELS,
                           posted=request.method == "POST"), (400 if errors else 200)


@blueprint.route("/cases/<int:case_id>/steps/<task_id>/attendance", methods=["GET", "POST"])
@login_required
def attendance(case_id: int, task_id: str):
    actor = acting_user()
    step = services.meeting_step(actor, case_id, task_id, services.ATTENDANCE_FORM, origin=request_origin(),
                                 audit=request.method == "GET")
    meeting = services.attendance_meeting(step)
    errors, form = {}, request.form
    if request.method == "POST":
        rows = [services.Attendance(invitee.id, form.get(f"attendance-{invitee.id}", ""),
                                    form.get(f"note-{invitee.id}", ""), form.get(f"report-{invitee.id}") == "yes")
                for invitee in meeting.current_invitees]
        try:
            with undone_if_refused():
                services.record_attendance(actor, case_id, task_id, rows, origin=request_origin(), now=utc_now())
        except InvalidInput as invalid:
            errors = invalid.field_errors
        else:
            return continue_after(actor, case_id, "Attendance recorded")
    return render_template("meetings/attendance.html", case=step.case, meeting=meeting, errors=errors, form=form,
                           choices=ATTENDANCE_LABELS, posted=request.method == "POST"), (400 if errors else 200)


@blueprint.route("/meetings/<int:meeting_id>")
@login_required
def meeting_page(meeting_id: int, errors=None, status=200):
    actor = acting_user()
    meeting = services.read_meeting(actor, meeting_id, origin=request_origin())  # its staff, or an invitee
    if not access.reads_as_staff(actor, meeting):
        return invited_page(meeting, answers.own_invitation(actor, meeting), errors or {}, status)
    may_change = services.may_convene(actor, meeting.case)
    return render_template("meetings/meeting.html", meeting=meeting, errors=errors or {}, durations=DURATIONS,
                           form=request.form, briefing=briefing.briefing_signed_in(actor, meeting), roles=ROLE_LABELS,
                           now=utc_now(), today=utc_now().astimezone(LONDON).date(),
                           may_change=may_change, proposals=open_proposals(meeting) if may_change else [],
                           offered=services.candidates(actor, meeting.case_id) if may_change else []), status


def invited_page(meeting, invitee, errors: dict, status: int):
    """An invited practitioner's view: what the meeting is for, which child, the agenda and their own answer
    (not the other invitees' answers, which the case's staff see)."""
    now = utc_now()
    return render_template("meetings/invited.html", meeting=meeting, invitee=invitee, now=now,
                           today=now.astimezone(LONDON).date(), briefing=briefing.briefing_signed_in(acting_user(), meeting),
                           answerable=invitee is not None and meeting.status == "planned" and meeting.ends_at > now,
                           chosen=request.form.get("answer") or (invitee.answer if invitee else None),
                           error=errors.get("answer")), status


@blueprint.route("/meetings/<int:meeting_id>/answer", methods=["POST"])
@login_required
def answer_signed_in(meeting_id: int):
    try:
        with undone_if_refused():
            invitee = answers.answer_signed_in(acting_user(), meeting_id, request.form.get("answer", ""),
                                               request.form.get("comment", ""), origin=request_origin(), now=utc_now())
    except InvalidInput as invalid:
        return meeting_page(meeting_id, errors=invalid.field_errors, status=400)
    flash(f"Your answer has been recorded: {invitee.answer_label}", "success")
    return redirect(url_for("meetings.meeting_page", meeting_id=meeting_id))


@blueprint.route("/meetings/<int:meeting_id>/reschedule", methods=["POST"])
@login_required
def reschedule(meeting_id: int):
    starts_at, ends_at = _when(request.form)
    try:
        with undone_if_refused():
            services.reschedule(acting_user(), meeting_id, starts_at=starts_at, ends_at=ends_at,
                                location=request.form.get("location", ""), mailing=services.configured_mailing(), origin=request_origin(),
                                now=utc_now())
    except InvalidInput as invalid:
        return meeting_page(meeting_id, errors=invalid.field_errors, status=400)
    flash("Meeting moved: everyone has an updated invitation and answers again", "success")
    return redirect(url_for("meetings.meeting_page", meeting_id=meeting_id))


@blueprint.route("/meetings/<int:meeting_id>/invitees", methods=["POST"])
@login_required
def add_invitee(meeting_id: int):
    try:
        with undone_if_refused():
            invitee = services.add_invitee(acting_user(), meeting_id, key=request.form.get("person", ""),
                                           role=request.form.get("role", ""), someone=_someone(request.form),
                                           mailing=services.configured_mailing(), origin=request_origin(), now=utc_now())
    except InvalidInput as invalid:
        return meeting_page(meeting_id, errors=invalid.field_errors, status=400)
    flash(f"{invitee.name} is invited and has been sent an invitation", "success")
    return redirect(url_for("meetings.meeting_page", meeting_id=meeting_id))


@blueprint.route("/meetings/<int:meeting_id>/invitees/<int:invitee_id>/remove", methods=["POST"])
@login_required
def remove_invitee(meeting_id: int, invitee_id: int):
    invitee = services.remove_invitee(acting_user(), meeting_id, invitee_id, mailing=services.configured_mailing(),
                                      origin=request_origin(), now=utc_now())
    flash(f"{invitee.name} is no longer invited and has been sent a cancellation", "success")
    return redirect(url_for("meetings.meeting_page", meeting_id=meeting_id))


@blueprint.route("/meetings/<int:meeting_id>/cancel", methods=["POST"])
@login_required
def cancel(meeting_id: int):
    meeting = services.cancel(acting_user(), meeting_id, mailing=services.configured_mailing(), origin=request_origin(), now=utc_now())
    flash("Meeting cancelled: every invitee has been sent a cancellation", "success")
    return redirect(url_for("cases.case_page", case_id=meeting.case_id))


@blueprint.route("/answer/<token>", methods=["GET", "POST"])
def answer(token: str):
    """The link an invitee follows: GET changes nothing (mail scanners follow links); the button records."""
    links = services.configured_mailing().links
    try:
        invitee = answers.invitee_for_link(token, links, utc_now())
    except answers.LinkProblem as problem:
        return render_template("meetings/link_problem.html", problem=str(problem)), 410
    error = None
    if request.method == "POST":
        try:
            with undone_if_refused():
                answers.answer_by_link(token, request.form.get("answer", ""), request.form.get("comment", ""),
                                       links=links, origin=request_origin(), now=utc_now())
        except InvalidInput as invalid:
            error = invalid.field_errors["answer"]
        else:
            return render_template("meetings/answered.html", invitee=invitee)
    chosen = request.form.get("answer") or request.args.get("answer") or invitee.answer
    told = briefing.briefing_for_link(invitee)
    answers.record_link_view(invitee, identified=not told.withheld, origin=request_origin())
    return render_template("meetings/answer.html", invitee=invitee, meeting=invitee.meeting, chosen=chosen,
                           briefing=told, today=utc_now().astimezone(LONDON).date(),
                           error=error), (400 if error else 200)


@blueprint.route("/account/calendar", methods=["GET", "POST"])
@login_required
def calendar_feed():
    """The person's private feed address: shown, issued anew (revoking the old) or revoked."""
    user = acting_user()
    secret = current_app.config["SECRET_KEY"]
    if request.method == "POST":
        if request.form.get("action") == "revoke":
            feed.revoke_feed(user, origin=request_origin())
            flash("Your calendar address no longer works", "success")
        else:
            feed.issue_feed(user, secret, origin=request_origin())
            flash("Your new calendar address is below; any earlier one no longer works", "success")
        return redirect(url_for("meetings.calendar_feed"))
    token = feed.feed_token(user, secret)
    address = f"{current_app.config['APP_SETTINGS'].mail.service_url}/calendar/{token}.ics" if token else None
    return render_template("meetings/feed.html", address=address)


@blueprint.route("/calendar/<token>.ics")
def calendar_file(token: str):
    body = feed.feed_for_token(token, current_app.config["SECRET_KEY"], utc_now())
    return body, 200, {"Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "no-store"}
