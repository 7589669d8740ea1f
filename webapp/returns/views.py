"""The statutory returns' page: the Children in Need census of a chosen year, downloaded as the DfE's XML."""
from __future__ import annotations

from flask import Blueprint, render_template, request, send_file
from flask_login import login_required

from webapp.columns import LONDON, utc_now
from webapp.errors import InvalidInput
from webapp.returns import services
from webapp.shell.security import acting_user, request_origin

blueprint = Blueprint("returns", __name__, url_prefix="/returns")


@blueprint.route("/")
@login_required
def index():
    actor = acting_user()
    years = services.census_years(actor, utc_now().astimezone(LONDON).date())
    return render_template("returns/index.html", years=years, la_code=services.la_code(), error=None)


@blueprint.route("/census.xml")
@login_required
def census():
    actor, now = acting_user(), utc_now()
    year = request.args.get("year", type=int)
    try:
        out = services.census_file(actor, year or 0, origin=request_origin(), now=now)
    except InvalidInput as invalid:
        years = services.census_years(actor, now.astimezone(LONDON).date())
        return render_template("returns/index.html", years=years, la_code=services.la_code(),
                               error=invalid.field_errors["year"]), 400
    return send_file(out, mimetype="application/xml", as_attachment=True,
                     download_name=f"children-in-need-census-{year}.xml")
