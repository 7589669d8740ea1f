"""Administrator pages for people and teams."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.agencies.services import list_agencies
from webapp.auth.forms import TeamForm, UserForm
from webapp.auth.roles import Role
from webapp.auth.user_admin import (
    UserDetails, UserSearch, create_user, get_team, get_user, list_teams, reset_password, save_team, search_users,
    set_user_active, update_user,
)
from webapp.database import undone_if_refused
from webapp.errors import InvalidInput
from webapp.shell.forms import submit
from webapp.shell.security import acting_user, request_origin

blueprint = Blueprint("auth_admin", __name__, url_prefix="/admin")


def _details(form: UserForm) -> UserDetails:
    return UserDetails(
        full_name=form.full_name.data or "",
        email=form.email.data or "",
        roles={Role(value) for value in form.roles.data or []},
        team_id=int(form.team_id.data) if form.team_id.data else None,
        agency_id=int(form.agency_id.data) if form.agency_id.data else None,
    )


def _user_form(**kwargs) -> UserForm:
    form = UserForm(**kwargs)
    form.set_choices(list_teams(acting_user()), list_agencies(acting_user()))
    return form


@blueprint.route("/users")
@login_required
def users():
    """People, searched by name, username or e-mail and filtered by role, team or agency and status, paged; the
    query string keeps the search across pages."""
    actor, args = acting_user(), request.args
    search = UserSearch(args.get("q", "")[:200], args.get("role", ""), args.get("group", ""), args.get("status", ""))
    found = search_users(actor, search, args.get("page", 1, type=int))
    kept = {"q": search.text or None, "role": search.role or None, "group": search.group or None,
            "status": search.status or None}
    return render_template("auth/admin/users.html", found=found, search=search, kept=kept, roles=list(Role),
                           teams=list_teams(actor), agencies=list_agencies(actor))


@blueprint.route("/users/new", methods=["GET", "POST"])
@login_required
def user_new():
    form = _user_form()
    created = form.validate_on_submit() and submit(
        form, lambda: create_user(acting_user(), form.username.data, _details(form), origin=request_origin()))
    if created:
        user, password = created
        return render_template("auth/admin/temporary_password.html", user=user, password=password,
                               heading="User created")
    return render_template("auth/admin/user_form.html", form=form, user=None)


@blueprint.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user_edit(user_id: int):
    user = get_user(acting_user(), user_id)
    form = _user_form(obj=None if request.method == "POST" else user)
    del form.username  # usernames never change: the audit trail refers to them
    if request.method == "GET":
        form.roles.data = sorted(role.value for role in user.roles)
        form.team_id.data = str(user.team_id or "")
        form.agency_id.data = str(user.agency_id or "")
    if form.validate_on_submit() and submit(form, lambda: update_user(acting_user(), user.id, _details(form),
                                                                       origin=request_origin())):
        flash(f"Changes to {user.full_name} saved", "success")
        return redirect(url_for("auth_admin.users"))
    return render_template("auth/admin/user_form.html", form=form, user=user)


@blueprint.route("/users/<int:user_id>/deactivate")
@login_required
def confirm_deactivation(user_id: int):
    """Deactivating signs someone out at once and keeps them out: the administrator confirms it on a page."""
    return render_template("auth/admin/confirm_deactivation.html", user=get_user(acting_user(), user_id))


@blueprint.route("/users/<int:user_id>/<any(deactivate, reactivate):change>", methods=["POST"])
@login_required
def user_set_active(user_id: int, change: str):
    try:
        with undone_if_refused():
            user = set_user_active(acting_user(), user_id, change == "reactivate", origin=request_origin())
    except InvalidInput as error:
        flash(str(error), "error")
        return redirect(url_for("auth_admin.user_edit", user_id=user_id))
    flash(f"{user.full_name} {'can sign in again' if user.is_active else 'can no longer sign in'}", "success")
    return redirect(url_for("auth_admin.users"))


@blueprint.route("/users/<int:user_id>/reset-password", methods=["POST"])
@login_required
def user_reset_password(user_id: int):
    user, password = reset_password(acting_user(), user_id, origin=request_origin())
    return render_template("auth/admin/temporary_password.html", user=user, password=password,
                           heading="Password reset")


@blueprint.route("/teams", methods=["GET", "POST"])
@login_required
def teams():
    form = TeamForm()
    team = form.validate_on_submit() and submit(form, lambda: save_team(acting_user(), form.name.data,
                                                                        phone=form.phone.data or "",
                                                                        origin=request_origin()))
    if team:
        flash(f"Team {team.name} created", "success")
        return redirect(url_for("auth_admin.teams"))
    return render_template("auth/admin/teams.html", teams=list_teams(acting_user()), form=form)


@blueprint.route("/teams/<int:team_id>", methods=["GET", "POST"])
@login_required
def team_edit(team_id: int):
    team = get_team(acting_user(), team_id)
    form = TeamForm(obj=team)
    if form.validate_on_submit() and submit(form, lambda: save_team(acting_user(), form.name.data, team_id=team.id,
                                                                    phone=form.phone.data or "",
                                                                    origin=request_origin())):
        flash("Team saved", "success")
        return redirect(url_for("auth_admin.teams"))
    return render_template("auth/admin/team_form.html", form=form, team=team)
