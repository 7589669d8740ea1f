"""Making, using and revoking API tokens. A token is 256 random bits, so a plain SHA-256 is enough to store it:
nobody can guess one back from its hash."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from webapp.api.models import ApiToken
from webapp.audit.services import Origin, record_event
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.auth.user_admin import require_administrator
from webapp.errors import InvalidInput, NotFound
from webapp.extensions import db

PREFIX = "cin_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _make(owner: User, kind: str, name: str, creator: User, now: datetime) -> tuple[ApiToken, str]:
    if not name.strip():
        raise InvalidInput("No token was made", {"name": "Name the token, for example the script that uses it"})
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=owner.id, kind=kind, name=name.strip()[:120], token_hash=_hash(token),
                   prefix=token[:10], created_by_id=creator.id, created_at=now)
    db.session.add(row)
    db.session.flush()
    return row, token


def create_personal_token(actor, name: str, *, origin: Origin, now: datetime) -> tuple[ApiToken, str]:
    """A token carrying the actor's own rights; the token itself is returned once and never stored."""
    row, token = _make(actor, "personal", name, actor, now)
    record_event("api.token_created", actor=actor, origin=origin, detail={"token_id": row.id, "kind": "personal"})
    return row, token


def create_service_token(actor, user_id: int, name: str, *, origin: Origin, now: datetime) -> tuple[ApiToken, str]:
    """An administrator's token for another system, acting as that system's own account (and its roles)."""
    require_administrator(actor)
    owner = db.session.get(User, user_id)
    if owner is None or not owner.is_active:
        raise NotFound("There is no such active account.")
    row, token = _make(owner, "service", name, actor, now)
    record_event("api.token_created", actor=actor, origin=origin,
                 detail={"token_id": row.id, "kind": "service", "user_id": owner.id})
    return row, token


def issue_service_token(username: str, name: str, *, now: datetime) -> str:
    """The operator's way (`flask api service-token`): a service token for an active account, audited."""
    owner = db.session.scalar(select(User).where(User.username == username.lower()))
    if owner is None or not owner.is_active:
        raise NotFound(f"There is no active account called {username!r}.")
    row, token = _make(owner, "service", name, owner, now)
    record_event("api.token_created", actor_label="flask api service-token", subject=("users", owner.id),
                 detail={"token_id": row.id, "kind": "service"})
    return token


def my_tokens(actor) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == actor.id)
                                   .order_by(ApiToken.id.desc())))


def revoke(actor, token_id: int, *, origin: Origin, now: datetime) -> ApiToken:
    row = db.session.get(ApiToken, token_id)
    if row is None or (row.user_id != actor.id and not actor.has_role(Role.ADMINISTRATOR)):
        raise NotFound("There is no such token.")
    if row.revoked_at is None:
        row.revoked_at = now
        record_event("api.token_revoked", actor=actor, origin=origin, detail={"token_id": row.id})
    return row


def user_for_token(token: str, now: datetime) -> User | None:
    """The active account a presented token acts as, or None (unknown, revoked, or the account deactivated)."""
    if not token.startswith(PREFIX):
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):  # not a write every request
        row.last_used_at = now
    return row.user
