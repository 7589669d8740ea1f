"""The administrator's view of the audit trail."""
from flask import Blueprint, render_template, request
from flask_login import login_required

from webapp.audit.refusals import ACTION as REFUSED, refusal_counts
from webapp.audit.listing import list_recent_events
from webapp.shell.security import acting_user

blueprint = Blueprint("audit", __name__, url_prefix="/admin/audit")


@blueprint.route("/")
@login_required
def events():
    page = max(request.args.get("page", 1, type=int), 1)
    rows, has_more = list_recent_events(acting_user(), page=page)
    counts = refusal_counts([row.id for row in rows if row.action == REFUSED])
    return render_template("audit/events.html", rows=rows, page=page, has_more=has_more, refusals=counts)
