"""Administrator pages for partner agencies."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.agencies.forms import AgencyForm
from webapp.agencies.services import get_agency, list_agencies, save_agency
from webapp.shell.forms import submit
from webapp.shell.security import acting_user, request_origin

blueprint = Blueprint("agencies", __name__, url_prefix="/admin/agencies")


@blueprint.route("/")
@login_required
def list_agencies_page():
    return render_template("agencies/list.html", agencies=list_agencies(acting_user()))


@blueprint.route("/new", methods=["GET", "POST"], defaults={"agency_id": None})
@blueprint.route("/<int:agency_id>", methods=["GET", "POST"])
@login_required
def edit_agency(agency_id: int | None):
    agency = get_agency(acting_user(), agency_id)
    form = AgencyForm(obj=agency)
    form.safeguarding_lead_id.choices = [("", "None named")] + [
        (str(u.id), u.full_name) for u in (agency.members if agency else []) if u.is_active]
    if request.method == "GET" and agency is not None:
        form.safeguarding_lead_id.data = str(agency.safeguarding_lead_id or "")
    saved = form.validate_on_submit() and submit(form, lambda: save_agency(
        acting_user(), name=form.name.data, kind=form.kind.data, email=form.email.data,
        is_active=form.is_active.data, is_secure_mailbox=form.is_secure_mailbox.data, agency_id=agency_id,
        origin=request_origin(),
        safeguarding_lead_id=int(form.safeguarding_lead_id.data) if form.safeguarding_lead_id.data else None))
    if saved:
        flash(f"{saved.name} saved", "success")
        return redirect(url_for("agencies.list_agencies_page"))
    return render_template("agencies/form.html", form=form, agency=agency)
