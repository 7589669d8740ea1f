"""The home page, the accessibility statement, and friendly error pages."""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, current_app, g, render_template, request
from flask_login import login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.auth.roles import Role
from webapp.cases.queries import my_cases, my_tasks
from webapp.references import case_reference
from webapp.columns import LONDON, age_on, london_time, long_date, time_span, utc_now
from webapp.database import commit_each_request, database_cause, describe_transient, is_transient, view_commit_sent
from webapp.errors import DomainError
from webapp.extensions import db, login_manager
from webapp.meetings.services import upcoming_for
from webapp.plans.services import actions_to_do
from webapp.partnership.services import extra_holidays
from webapp.frame.navigation import navigation_for, open_step_count
from webapp.frame.readiness import readiness_problems
from webapp.frame.refusals import REFUSALS, audit_refusal
from webapp.shell.form_sections import form_sections
from webapp.shell.security import acting_user
from webapp.workflow.calendar import working_days_between

blueprint = Blueprint("frame", __name__)
blueprint.add_app_template_filter(london_time, "london_time")
blueprint.add_app_template_filter(long_date, "long_date")
blueprint.add_app_template_global(time_span, "time_span")
blueprint.add_app_template_global(age_on, "age_on")
blueprint.add_app_template_global(form_sections, "form_sections")
log = logging.getLogger(__name__)

HOME_TASKS = 10  # the soonest-due steps on the home page; "My tasks" lists them all

# What each role will find on its home page; the lists fill as the case work arrives.
HOME_SECTIONS = {
    Role.SOCIAL_WORKER: ("Your cases and tasks", "Cases allocated to you and the steps waiting for you."),
    Role.TEAM_MANAGER: ("Your team", "Referral decisions, reviews and rationales waiting for your sign-off."),
    Role.SENIOR_MANAGER: ("Oversight", "Overdue work across teams and escalations at stage 3."),
    Role.AGENCY_PRACTITIONER: ("Requests to your agency", "Information requests, meeting invitations and minutes, "
                                                          "referrals you made and escalations."),
    Role.PROCESS_OWNER: ("Processes", "The BPMN processes and forms you look after."),
    Role.ADMINISTRATOR: ("Administration", "People, teams, agencies and the audit trail."),
    Role.INDEPENDENT_CHAIR: ("The partnership", "Escalations at stage 4, and the partnership's escalation report."),
}


@blueprint.app_context_processor
def inject_frame():
    settings = current_app.config["APP_SETTINGS"]
    return {
        "service_name": settings.service_name,
        "partnership_name": settings.partnership_name,
        "navigation": navigation_for(acting_user()),
    }


@blueprint.app_template_filter("deadline")
def deadline(due_at) -> str:
    """'Due 9 Mar 2026, 2 working days left' / 'due today' / 'overdue by 3 working days', in London time."""
    if due_at is None:
        return "No deadline set"
    if "extra_holidays" not in g:
        g.extra_holidays = extra_holidays()
    today, due_day = utc_now().astimezone(LONDON).date(), due_at.astimezone(LONDON).date()
    left = working_days_between(today, due_day, g.extra_holidays)
    when = due_at.astimezone(LONDON).strftime("%-d %b %Y")
    if due_day < today:
        days = max(-left, 1)
        return f"Overdue since {when}, by {days} working day{'s' if days != 1 else ''}"
    if due_day == today:
        return f"Due today, {when}"
    return f"Due {when}, {left} working day{'s' if left != 1 else ''} left"


@blueprint.route("/")
@login_required
def home():
    """A work queue: the person's open steps (due soonest first), their cases, their booked meetings and the
    actions they own; then what each of their roles finds elsewhere."""
    actor, now = acting_user(), utc_now()
    casework = actor.has_role(Role.SOCIAL_WORKER, Role.TEAM_MANAGER)
    sections = [HOME_SECTIONS[role] for role in Role if role in actor.roles]
    owned = [(action, case_reference(action.case_id)) for action in actions_to_do(actor)]
    return render_template("frame/home.html", sections=sections, owned_actions=owned,
                           tasks=my_tasks(actor, HOME_TASKS, order="due") if casework else [],
                           task_count=open_step_count(actor), cases=my_cases(actor),
                           meetings=upcoming_for(actor, now),  # invited to, or on a case allocated to them
                           now=now, today=now.astimezone(LONDON).date())


@blueprint.route("/health")
def health():
    """Liveness: the web process answers. Nothing about the data, no sign-in."""
    return {"status": "ok"}, 200, {"Cache-Control": "no-store"}


@blueprint.route("/ready")
def ready():
    """Readiness: the database answers and takes writes, its schema is the one this code expects, the processes
    are deployed and a worker completed a pass lately; 503 with what is missing otherwise (for monitoring, an
    orchestrator or a load balancer)."""
    problems = readiness_problems(current_app.config["APP_SETTINGS"], utc_now())
    db.session.rollback()
    return ({"status": "ready"} if not problems else {"status": "not ready", "problems": problems}), \
        (200 if not problems else 503), {"Cache-Control": "no-store"}


@blueprint.route("/accessibility")
def accessibility():
    return render_template("frame/accessibility.html")


ERROR_PAGES = {
    400: ("There is a problem with the request", "Go back, check what you entered and try again."),
    403: ("You do not have access to this page", "If you need it for your work, ask your team manager or an administrator."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you pasted it, check you copied the whole address."),
    405: ("There is a problem with the request", "Go back and try again."),
    409: ("Someone else changed this first", "Go back, reload the page to see the latest version, and try again."),
    413: ("The file is too large", "Go back and choose a smaller file."),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing you entered on the last page was saved."),
}


# A lost database connection or a transaction the database gave up, still there after the one retry
# (webapp/database.py): kind -> title, advice, the API's error. No SQL and no exception text, ever.
UNAVAILABLE_PAGES = {
    "load": ("Sorry, the service could not load this page just now", "Wait a moment and try again.",
             "The service could not answer just now. Wait a moment and try again."),
    "save": ("Sorry, the service could not save this just now", "Nothing was saved. Wait a moment and try again.",
             "The service could not save this just now. Nothing was saved. Wait a moment and try again."),
    "unsure": ("Sorry, the service was interrupted while saving this",
               "It may or may not have been saved. Check before you try again, so that nothing is done twice.",
               "The service was interrupted while saving this: it may or may not have been saved. "
               "Check before you try again, so that nothing is done twice."),
}
RETRY_AFTER_SECONDS = 5


def render_error(status: int, detail: str | None = None, fields: dict | None = None):
    title, advice = ERROR_PAGES.get(status, ERROR_PAGES[500])
    if request.path.startswith("/api/"):  # the API answers in JSON, with field detail where there is some
        return {"error": detail or title, "fields": fields or {}}, status
    return render_template("frame/error.html", title=title, advice=advice, detail=detail), status


NUL_REFUSED = ("The request contained a character the service cannot store (a NUL character, often from text "
               "pasted from another program). Remove it and try again. Nothing was saved.")


def refuse_nul_characters():
    """A NUL character cannot be stored in PostgreSQL text (the whole statement fails): a request carrying one in
    its address, its query or its JSON body is refused before any view runs, on every database. Form fields are
    the pages' own to check (they name the field); what gets past them is answered by `is_nul_refusal` below."""
    texts = [request.path, *(part for pair in request.args.items(multi=True) for part in pair)]
    if any("\x00" in text for text in texts) or (request.is_json and b"\\u0000" in request.get_data(cache=True)):
        return render_error(400, NUL_REFUSED)
    return None


def is_nul_refusal(error: BaseException) -> bool:
    """PostgreSQL's refusal of a NUL character in a value (psycopg.DataError): bad input, not a fault."""
    cause = database_cause(error)
    return cause is not None and "cannot contain NUL" in str(cause)


def register_error_pages(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, "The form had expired or did not come from this service. "
                                 "Go back, reload the page and try again.")

    @app.errorhandler(DomainError)
    def domain_error(error):
        db.session.rollback()
        if error.status_code in REFUSALS:
            audit_refusal(error.status_code)  # after the rollback: the request's own work stays undone
        return render_error(error.status_code, str(error), getattr(error, "field_errors", None))

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code in REFUSALS:
            audit_refusal(error.code)
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        db.session.rollback()
        if is_transient(error):
            return unavailable(error)
        if is_nul_refusal(error):
            return render_error(400, NUL_REFUSED)
        log.exception("Unhandled error")
        return render_error(500)

    def unavailable(error):
        log.warning("%s: %s %s answered 503", describe_transient(error), request.method, request.endpoint)
        if request.method in ("GET", "HEAD", "OPTIONS"):
            kind = "load"
        else:
            kind = "unsure" if view_commit_sent() else "save"
        title, advice, api_error = UNAVAILABLE_PAGES[kind]
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.path.startswith("/api/"):
            return {"error": api_error, "fields": {}}, 503, headers
        # Drawn without the database, which may still be away: as for someone signed out (no name, no menu).
        g._login_user = login_manager.anonymous_user()
        return render_template("frame/error.html", title=title, advice=advice), 503, headers

    commit_each_request(app)
