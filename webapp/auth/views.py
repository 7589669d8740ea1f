"""Signing in and out, and changing one's own password."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from webapp.auth.forms import ChangePasswordForm, SignInForm
from webapp.auth.models import User
from webapp.auth.services import SignInRefused, change_own_password, sign_in as check_sign_in, sign_out as audit_sign_out
from webapp.auth.session_guard import SESSION_KEY, current_session_check
from webapp.auth.sessions import SessionLimits, check_session, create_session
from webapp.columns import utc_now
from webapp.shell.forms import submit
from webapp.shell.security import acting_user, request_origin

blueprint = Blueprint("auth", __name__)


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: the user only while the cookie's server-side session row is live."""
    user_id, _, epoch = session_id.partition(":")
    if not user_id.isdecimal() or not epoch.isdecimal():
        return None
    settings = current_app.config["APP_SETTINGS"]
    limits = SessionLimits(idle=timedelta(minutes=settings.session_idle_minutes),
                           lifetime=timedelta(hours=settings.session_max_hours))
    check = check_session(int(user_id), int(epoch), session.get(SESSION_KEY), now=utc_now(), limits=limits)
    g.session_check = check  # shell/security.py ends a refused session and touches a live one
    return check.user if check.is_live else None


def _safe_next(target: str | None) -> str:
    # Only paths on this site: an absolute URL here would make the sign-in page an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("frame.home")


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("frame.home"))
    form = SignInForm()
    refusal = None
    if form.validate_on_submit():
        settings = current_app.config["APP_SETTINGS"]
        now = utc_now()
        try:
            user = check_sign_in(
                form.username.data, form.password.data, origin=request_origin(), now=now,
                window_minutes=settings.login_window_minutes, max_failures=settings.login_max_failures,
                max_failures_per_address=settings.login_max_failures_per_address,
            )
        except SignInRefused as error:
            refusal = str(error)
        else:
            key = create_session(user, origin=request_origin(), now=now)
            session.clear()  # a fresh session: nothing carried over from before sign-in
            login_user(user)
            session[SESSION_KEY] = key
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/sign_in.html", form=form, refusal=refusal), (200 if refusal is None else 401)


@blueprint.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    check = current_session_check()
    audit_sign_out(acting_user(), check.record if check else None, origin=request_origin(),
                   now=utc_now())
    logout_user()
    session.clear()
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"))


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    user = acting_user()
    check = current_session_check()
    if form.validate_on_submit() and submit(form, lambda: change_own_password(
            user, form.current_password.data, form.new_password.data, origin=request_origin(), now=utc_now(),
            keep=check.record if check else None)):
        login_user(user)  # the session epoch moved on: this session's row is kept, the others were ended
        flash("Your password has been changed", "success")
        return redirect(url_for("frame.home"))
    return render_template("auth/change_password.html", form=form)
