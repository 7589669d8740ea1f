"""Refused requests in the audit trail, folded per actor, route and minute so that a scanner cannot flood it."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from webapp.audit.models import AccessRefusal
from webapp.audit.services import Origin, record_event
from webapp.extensions import db

ACTION = "access.refused"
_FOLDS = AccessRefusal.__table__


def record_refusal(actor, actor_key: str, route: str, *, detail: dict, origin: Origin, now: datetime,
                   subject=None) -> None:
    """Audit one refused request. The first refusal of an actor on a route in a minute writes an 'access.refused'
    row; later ones in that minute only raise the fold's count. `actor_key` is "user:ID" or "token:ID"."""
    fold = {"actor_key": actor_key[:140], "route": route[:120],
            "minute_at": now.astimezone(timezone.utc).replace(second=0, microsecond=0)}
    if _count_again(fold):
        return
    try:
        with db.session.begin_nested():
            event_id = record_event(ACTION, actor=actor, subject=subject, origin=origin, detail=detail)
            db.session.execute(insert(_FOLDS).values(**fold, count=1, audit_event_id=event_id))
    except IntegrityError:
        # Another request began the same fold between our update and insert (PostgreSQL; on SQLite the update
        # took the write lock first). Its audit row stands; ours went with the savepoint, so only count.
        _count_again(fold)


def _count_again(fold: dict) -> bool:
    """Raise an existing fold's count; False when the fold has no row yet."""
    result = db.session.execute(update(_FOLDS).where(*(_FOLDS.c[name] == value for name, value in fold.items()))
                                .values(count=_FOLDS.c.count + 1))
    return result.rowcount == 1


def refusal_counts(event_ids: list[int]) -> dict[int, int]:
    """How many refusals each 'access.refused' audit row stands for, by audit row id."""
    if not event_ids:
        return {}
    return {event_id: count for event_id, count in db.session.execute(
        select(AccessRefusal.audit_event_id, AccessRefusal.count).where(AccessRefusal.audit_event_id.in_(event_ids)))}
