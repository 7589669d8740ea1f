"""Who was refused what, read from the request, for the audit trail (the error handlers call audit_refusal)."""
from __future__ import annotations

import hashlib
import logging

from flask import g, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from webapp.api.models import ApiToken
from webapp.audit.refusals import record_refusal
from webapp.columns import utc_now
from webapp.extensions import db
from webapp.shell.security import request_origin

log = logging.getLogger(__name__)
REFUSALS = {403, 404}
UNKNOWN_ROUTE = "unknown"  # a made-up path: no endpoint, but a scan of them is worth knowing
LARGEST_ID = 2**31 - 1  # audit_events.subject_id is a 32-bit integer on PostgreSQL
_SKIPPED_ENDPOINTS = {"static"}  # a missing asset is the browser's miss, not someone asking for a record


def audit_refusal(status: int) -> None:
    """Undo the request's own work, then record and commit the refusal if a signed-in person or a token asked.
    Anonymous requests leave nothing (a made-up URL from anyone on the internet is not worth a row)."""
    db.session.rollback()
    if status not in REFUSALS or request.endpoint in _SKIPPED_ENDPOINTS:
        return
    try:
        requester = _requester()
        if requester is None:
            return
        actor, actor_key, token_id = requester
        record_refusal(actor, actor_key, request.endpoint or UNKNOWN_ROUTE, detail=_detail(status, token_id),
                       origin=request_origin(), now=utc_now(), subject=_subject())
        db.session.commit()
    except SQLAlchemyError as error:
        # The answer is still a refusal; a trail that cannot be written must not turn it into a 500. The error's
        # own text is left out: it carries the statement's parameters.
        db.session.rollback()
        log.error("A refused request could not be audited (%s)", type(error).__name__)


def _requester():
    """(user, actor key, token id) for an API token's holder or a signed-in person; None for anyone else."""
    api_user = g.get("api_user")  # set by the API's bearer-token check (webapp/api/views.py)
    if api_user is not None:
        token_id = _presented_token_id()
        return api_user, f"token:{token_id}" if token_id else f"user:{api_user.id}", token_id
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        return user, f"user:{user.id}", None
    return None


def _presented_token_id() -> int | None:
    # The check that let the token in keeps only its user; the id is found again from the token's hash
    # (tokens are stored as plain SHA-256, webapp/api/tokens.py).
    presented = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    digest = hashlib.sha256(presented.encode()).hexdigest()
    return db.session.scalar(select(ApiToken.id).where(ApiToken.token_hash == digest))


def _detail(status: int, token_id: int | None) -> dict:
    """What was asked for: the route, the path (never the query string), the status and the ids in the path.
    A link's secret (a `token` in the path) is left out: the trail must not become a way to use it."""
    view_args = request.view_args or {}
    secret = {key for key in view_args if "token" in key}
    path = request.path
    for key in secret:
        path = path.replace(str(view_args[key]), "…")
    detail = {"endpoint": request.endpoint or UNKNOWN_ROUTE, "path": path[:300], "status": status,
              "view_args": {key: "…" if key in secret else value if isinstance(value, int) else str(value)[:120]
                            for key, value in view_args.items()}}
    if token_id is not None:
        detail["token_id"] = token_id
    return detail


def _subject():
    """The case asked about, when the path names one, so that the case's own audit trail shows the refusal."""
    case_id = (request.view_args or {}).get("case_id")
    return ("cases", case_id) if isinstance(case_id, int) and 0 < case_id <= LARGEST_ID else None
