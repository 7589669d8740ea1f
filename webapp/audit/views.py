"""The administrator's view of the audit trail, filtered by person, case, kind of event and dates."""
from flask import Blueprint, render_template, request
from flask_login import login_required

from webapp.audit.filters import AREA_PREFIX, read_filters
from webapp.audit.lines import audit_lines
from webapp.audit.listing import list_events
from webapp.audit.wording import AREAS
from webapp.shell.security import acting_user, request_origin

blueprint = Blueprint("audit", __name__, url_prefix="/admin/audit")


@blueprint.route("/")
@login_required
def events():
    page = max(request.args.get("page", 1, type=int), 1)
    filters = read_filters(request.args)
    rows, has_more = list_events(acting_user(), filters, page=page, origin=request_origin())
    return render_template("audit/events.html", lines=audit_lines(rows), filters=filters, areas=AREAS,
                           area_prefix=AREA_PREFIX, page=page, has_more=has_more), 400 if filters.errors else 200
