"""Making, using and revoking API tokens. A token is 256 random bits, so a plain SHA-256 is enough to store it:
nobody can guess one back from its hash. Every token has an end: its expiry, a revocation, or the moment its
owner's session epoch moves on (a password changed or reset, a deactivation; reactivation moves it again)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp.api.models import ApiToken
from webapp.audit.services import Origin, record_event
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.auth.user_admin import require_administrator
from webapp.errors import InvalidInput, NotFound
from webapp.extensions import db

PREFIX = "cin_"
ACTIVE, EXPIRED, ENDED, REVOKED = "active", "expired", "ended", "revoked"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _make(owner: User, kind: str, name: str, creator: User, days: int, now: datetime) -> tuple[ApiToken, str]:
    if not name.strip():
        raise InvalidInput("No token was made", {"name": "Name the token, for example the script that uses it"})
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=owner.id, kind=kind, name=name.strip()[:120], token_hash=_hash(token),
                   prefix=token[:10], created_by_id=creator.id, created_at=now,
                   expires_at=now + timedelta(days=days), owner_epoch=owner.session_epoch)
    db.session.add(row)
    db.session.flush()
    return row, token


def create_personal_token(actor, name: str, *, days: int, origin: Origin, now: datetime) -> tuple[ApiToken, str]:
    """A token carrying the actor's own rights for `days` days; the token itself is returned once, never stored."""
    row, token = _make(actor, "personal", name, actor, days, now)
    record_event("api.token_created", actor=actor, origin=origin,
                 detail={"token_id": row.id, "kind": "personal", "expires_at": row.expires_at.isoformat()})
    return row, token


def create_service_token(actor, user_id: int, name: str, *, days: int, origin: Origin,
                         now: datetime) -> tuple[ApiToken, str]:
    """An administrator's token for another system, acting as that system's own account (and its roles)."""
    require_administrator(actor)
    owner = db.session.get(User, user_id)
    if owner is None or not owner.is_active:
        raise NotFound("There is no such active account.")
    row, token = _make(owner, "service", name, actor, days, now)
    record_event("api.token_created", actor=actor, origin=origin, subject=("users", owner.id),
                 detail={"token_id": row.id, "kind": "service", "user_id": owner.id,
                         "expires_at": row.expires_at.isoformat()})
    return row, token


def issue_service_token(username: str, name: str, *, days: int, now: datetime) -> tuple[ApiToken, str]:
    """The operator's way (`flask api service-token`): a service token for an active account, audited."""
    owner = db.session.scalar(select(User).where(User.username == username.lower()))
    if owner is None or not owner.is_active:
        raise NotFound(f"There is no active account called {username!r}.")
    row, token = _make(owner, "service", name, owner, days, now)
    record_event("api.token_created", actor_label="flask api service-token", subject=("users", owner.id),
                 detail={"token_id": row.id, "kind": "service", "expires_at": row.expires_at.isoformat()})
    return row, token


def token_state(row: ApiToken, now: datetime) -> str:
    """Active, or why it no longer works: revoked, ended (its owner's password or account changed), expired."""
    if row.revoked_at is not None:
        return REVOKED
    if row.owner_epoch != row.user.session_epoch or not row.user.is_active:
        return ENDED
    if now >= row.expires_at:
        return EXPIRED
    return ACTIVE


def my_tokens(actor) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == actor.id)
                                   .order_by(ApiToken.id.desc())))


def all_tokens(actor, *, origin: Origin) -> list[ApiToken]:
    """Every token of every account, newest first, for an administrator; the look is audited."""
    require_administrator(actor)
    rows = list(db.session.scalars(select(ApiToken).options(joinedload(ApiToken.user))
                                   .order_by(ApiToken.id.desc())))
    record_event("api.tokens_listed", actor=actor, origin=origin, detail={"count": len(rows)})
    return rows


def service_accounts(actor) -> list[User]:
    """The active accounts an administrator may make a service token for."""
    require_administrator(actor)
    return list(db.session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.full_name)))


def revoke(actor, token_id: int, *, origin: Origin, now: datetime, as_administrator: bool = False) -> ApiToken:
    """End a token at once: its owner's own, or any token for an administrator (`as_administrator`: only so)."""
    if as_administrator:
        require_administrator(actor)
    row = db.session.get(ApiToken, token_id)
    if row is None or (row.user_id != actor.id and not actor.has_role(Role.ADMINISTRATOR)):
        raise NotFound("There is no such token.")
    if row.revoked_at is None:
        row.revoked_at = now
        row.revoked_reason = "revoked" if row.user_id == actor.id else "revoked_by_administrator"
        record_event("api.token_revoked", actor=actor, origin=origin, subject=("users", row.user_id),
                     detail={"token_id": row.id, "kind": row.kind})
    return row


def user_for_token(token: str, now: datetime) -> User | None:
    """The active account a presented token acts as, or None: unknown, revoked, expired, or ended because its
    owner's password was changed or reset or the account deactivated (service tokens too: a reset of a system's
    account is how an administrator cuts off every token it holds)."""
    if not token.startswith(PREFIX):
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or token_state(row, now) != ACTIVE:
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):  # not a write every request
        row.last_used_at = now
    return row.user
