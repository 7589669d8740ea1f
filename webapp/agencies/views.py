"""Administrator pages for partner agencies."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from webapp.agencies.forms import AgencyForm
from webapp.agencies.services import get_agency, list_agencies, save_agency
from webapp.shell.forms import submit
from webapp.shell.security import request_origin

blueprint = Blueprint("agencies", __name__, url_prefix="/admin/agencies")


@blueprint.route("/")
@login_required
def list_agencies_page():
    return render_template("agencies/list.html", agencies=list_agencies(current_user))


@blueprint.route("/new", methods=["GET", "POST"], defaults={"agency_id": None})
@blueprint.route("/<int:agency_id>", methods=["GET", "POST"])
@login_required
def edit_agency(agency_id: int | None):
    agency = get_agency(current_user, agency_id)
    form = AgencyForm(obj=agency)
    saved = form.validate_on_submit() and submit(form, lambda: save_agency(
        current_user, name=form.name.data, kind=form.kind.data, email=form.email.data,
        is_active=form.is_active.data, agency_id=agency_id, origin=request_origin()))
    if saved:
        flash(f"{saved.name} saved", "success")
        return redirect(url_for("agencies.list_agencies_page"))
    return render_template("agencies/form.html", form=form, agency=agency)
