"""The administrators' alert banner (on every page, through a context processor) and its Dismiss button."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import login_required
from sqlalchemy.exc import SQLAlchemyError

from webapp.columns import utc_now
from webapp.monitoring.services import banner_alerts, dismiss_alert
from webapp.shell.security import acting_user, request_origin

blueprint = Blueprint("monitoring", __name__, url_prefix="/admin/alerts")


@blueprint.app_context_processor
def inject_alerts():
    # A function, not a list: only pages built on base.html ask, and only when one renders.
    return {"admin_alerts": alerts_for_banner}


def alerts_for_banner() -> list:
    try:
        return banner_alerts(acting_user())
    except SQLAlchemyError:  # an error page must render even when the database is what failed
        return []


@blueprint.route("/<int:alert_id>/dismiss", methods=["POST"])
@login_required
def dismiss(alert_id: int):
    if dismiss_alert(acting_user(), alert_id, origin=request_origin(), now=utc_now()):
        flash("Alert dismissed. It is raised again if the problem goes on.", "success")
    else:
        flash("That alert had already cleared.", "success")
    return redirect(_back_to(request.form.get("next")))


def _back_to(target: str | None) -> str:
    # Only a path on this site: anything else would make the button an open redirect.
    if target and target.startswith("/") and not target.startswith(("//", "/\\")) and not urlsplit(target).netloc:
        return target
    return url_for("frame.home")
