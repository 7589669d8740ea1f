"""Calendar replies on the web: the mail gateway's endpoint (raw MIME, a shared secret, no session), the
administrators' unmatched replies, and the convenor's answer to a proposed new time."""
from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.columns import utc_now
from webapp.extensions import csrf
from webapp.meetings import inbox
from webapp.meetings.services import configured_mailing
from webapp.shell.security import acting_user, request_origin

blueprint = Blueprint("meeting_replies", __name__)


@blueprint.route("/mail-gateway/calendar-replies", methods=["POST"])
@csrf.exempt  # a machine posts here with the shared secret; there is no browser session to forge
def gateway():
    """One raw e-mail per request, `Authorization: Bearer <MAIL_GATEWAY_SECRET>`. Off unless a secret is set."""
    secret = current_app.config["APP_SETTINGS"].replies.gateway_secret
    if not secret:
        abort(404)
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), secret.encode()):
        current_app.logger.warning("Mail gateway request refused: wrong or missing secret from %s",
                                   request.remote_addr)
        return jsonify(error="A valid gateway secret is required."), 401, {"WWW-Authenticate": "Bearer"}
    raw = request.get_data(cache=False)
    if not raw.strip():
        return jsonify(error="The request body must be the raw e-mail."), 400
    rows = inbox.ingest_message(raw, via="gateway", now=utc_now())
    return jsonify(received=len(rows), outcomes=[row.outcome for row in rows]), 202


@blueprint.route("/admin/calendar-replies")
@login_required
def unmatched():
    replies = inbox.unmatched_replies(acting_user(), origin=request_origin())
    return render_template("meetings/unmatched_replies.html", replies=replies)


@blueprint.route("/meetings/<int:meeting_id>/proposals/<int:reply_id>/<choice>", methods=["POST"])
@login_required
def answer_proposal(meeting_id: int, reply_id: int, choice: str):
    if choice not in {"accept", "decline"}:
        abort(404)
    handle = inbox.accept_proposal if choice == "accept" else inbox.decline_proposal
    handle(acting_user(), meeting_id, reply_id, mailing=configured_mailing(), origin=request_origin(), now=utc_now())
    flash("Meeting moved to the proposed time: everyone has an updated invitation and answers again"
          if choice == "accept" else "Proposal declined: the person has been told the meeting stays as it is",
          "success")
    return redirect(url_for("meetings.meeting_page", meeting_id=meeting_id))
