"""The audit trail's hash chain. Rows are inserted plainly (no contention between writers); the worker then seals
them in the order it finds them, giving each a chain position and a SHA-256 over the row's content and the seal
before it. `verify` walks the chain and names the first row whose content no longer matches its seal, or the
first position missing: an altered or removed row is found, and so is every forged seal after it."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select, update

from webapp.audit.models import AuditEvent
from webapp.database import begin_write
from webapp.extensions import db

GENESIS = "0" * 64
TABLE = AuditEvent.__table__


def row_content(row) -> bytes:
    """A row's content in one canonical form (JSON, keys sorted, times in UTC ISO 8601)."""
    return json.dumps({
        "id": row.id, "occurred_at": row.occurred_at.isoformat(), "actor_id": row.actor_id,
        "actor_label": row.actor_label, "action": row.action, "subject_type": row.subject_type,
        "subject_id": row.subject_id, "ip_address": row.ip_address, "detail": row.detail,
    }, sort_keys=True, separators=(",", ":"), default=str).encode()


def seal(previous: str, row) -> str:
    return hashlib.sha256(previous.encode() + b"\n" + row_content(row)).hexdigest()


def _last_sealed():
    return db.session.execute(select(TABLE.c.chain_position, TABLE.c.row_hash)
                              .where(TABLE.c.chain_position.is_not(None))
                              .order_by(TABLE.c.chain_position.desc()).limit(1)).one_or_none()


def seal_pending(limit: int = 5000) -> int:
    """Seal committed rows not sealed yet, oldest id first; one sealer at a time (the caller commits)."""
    begin_write(db.session)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(db.func.pg_advisory_xact_lock(7301)))
    last = _last_sealed()
    position, previous = (last.chain_position, last.row_hash) if last else (0, GENESIS)
    rows = db.session.execute(select(TABLE).where(TABLE.c.chain_position.is_(None)).order_by(TABLE.c.id)
                              .limit(limit)).all()
    for row in rows:
        position, previous = position + 1, seal(previous, row)
        db.session.execute(update(TABLE).where(TABLE.c.id == row.id).values(chain_position=position,
                                                                            row_hash=previous))
    return len(rows)


@dataclass(frozen=True)
class Verification:
    sealed: int
    waiting: int
    problem: str | None  # the first break found, naming the row; None when the chain holds

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(batch: int = 5000) -> Verification:
    """Recompute every seal in chain order; read only."""
    previous, expected, sealed, after = GENESIS, 1, 0, 0
    while True:
        rows = db.session.execute(select(TABLE).where(TABLE.c.chain_position > after)
                                  .order_by(TABLE.c.chain_position).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            if row.chain_position != expected:
                return Verification(sealed, _waiting(), f"position {expected} is missing: the row sealed there "
                                                        f"was removed (the next is row {row.id})")
            if seal(previous, row) != row.row_hash:
                return Verification(sealed, _waiting(), f"row {row.id} (position {row.chain_position}) does not "
                                                        "match its seal: it was altered, or a row before it was")
            previous, expected, sealed, after = row.row_hash, expected + 1, sealed + 1, row.chain_position
    return Verification(sealed, _waiting(), None)


def _waiting() -> int:
    return db.session.scalar(select(db.func.count()).select_from(TABLE).where(TABLE.c.chain_position.is_(None)))
