"""Raising and clearing administrators' alerts, and each worker's heartbeat. Alerts carry references only (a
document's number, how long mail has waited): no child's name or concern, since they are e-mailed and shown."""
from __future__ import annotations

import zlib
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from webapp.audit.services import Origin, record_event
from webapp.auth.models import User, UserRole
from webapp.auth.roles import Role
from webapp.auth.user_admin import require_administrator
from webapp.errors import NotFound
from webapp.extensions import db
from webapp.mail.services import queue_message
from webapp.monitoring.models import AdminAlert, ReadinessProbe, WorkerHeartbeat

ALERT_SUBJECT = "Service alert: action needed"


def raise_alert(kind: str, key: str, message: str, now: datetime) -> AdminAlert | None:
    """Open an alert once per `key` (an open one with the same key is left as it is) and e-mail every active
    administrator through the outbox; returns the new alert, or None when one was already open."""
    _one_at_a_time(key)
    if open_alert(key) is not None:
        return None
    alert = AdminAlert(kind=kind, key=key, message=message[:300], raised_at=now)
    db.session.add(alert)
    for address in administrator_addresses():
        queue_message("admin_alert", address, ALERT_SUBJECT,
                      f"{message}\n\nSee the administrators' pages: {{service_url}}/admin/mail/\n")
    db.session.flush()
    return alert


def clear_alert(key: str, now: datetime, *, by: User | None = None) -> bool:
    """Close the open alert with this key (by an administrator, or by itself when the fault passed)."""
    alert = open_alert(key)
    if alert is None:
        return False
    alert.cleared_at, alert.cleared_by_id = now, by.id if by else None
    db.session.flush()
    return True


def _one_at_a_time(key: str) -> None:
    """Workers raising the same alert at the same moment take turns (PostgreSQL: a lock held to the end of the
    transaction), so that only the first opens it; SQLite's single writer does this by itself."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(key.encode())})


def dismiss_alert(actor: User, alert_id: int, *, origin: Origin, now: datetime) -> bool:
    """An administrator closes an open alert; audited. Returns False when it had cleared already. The fault, if it
    goes on, raises a new alert later (see `last_dismissed_at`)."""
    require_administrator(actor)
    alert = db.session.get(AdminAlert, alert_id)
    if alert is None:
        raise NotFound("There is no such alert.")
    if alert.cleared_at is not None:
        return False
    alert.cleared_at, alert.cleared_by_id = now, actor.id
    record_event("alert.dismissed", actor=actor, subject=alert, origin=origin, detail={"kind": alert.kind})
    db.session.flush()
    return True


def banner_alerts(actor) -> list[AdminAlert]:
    """The open alerts shown on every page, to administrators only."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_role(Role.ADMINISTRATOR):
        return []
    return open_alerts()


def last_dismissed_at(key: str) -> datetime | None:
    """When an administrator last dismissed an alert with this key."""
    return db.session.scalar(select(func.max(AdminAlert.cleared_at))
                             .where(AdminAlert.key == key, AdminAlert.cleared_by_id.is_not(None)))


def open_alert(key: str) -> AdminAlert | None:
    return db.session.scalar(select(AdminAlert).where(AdminAlert.key == key, AdminAlert.cleared_at.is_(None)))


def open_alerts() -> list[AdminAlert]:
    return list(db.session.scalars(select(AdminAlert).where(AdminAlert.cleared_at.is_(None))
                                   .order_by(AdminAlert.raised_at.desc())))


def administrator_addresses() -> list[str]:
    return list(db.session.scalars(
        select(User.email).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMINISTRATOR.value, User.is_active.is_(True)).distinct()))


def beat(worker: str, started_at: datetime, now: datetime, pass_seconds: float) -> None:
    """Record that `worker` completed a pass (the caller commits)."""
    row = db.session.get(WorkerHeartbeat, worker)
    if row is None:
        row = WorkerHeartbeat(worker=worker, started_at=started_at)
        db.session.add(row)
    row.last_pass_at, row.last_pass_seconds = now, pass_seconds
    db.session.flush()


def last_heartbeat() -> datetime | None:
    """When any worker last completed a pass."""
    return db.session.scalar(select(WorkerHeartbeat.last_pass_at).order_by(WorkerHeartbeat.last_pass_at.desc())
                             .limit(1))


def record_ready_check(process: str, now: datetime) -> None:
    """Rewrite the one readiness row (insert or update in one statement, so that web processes checking at the
    same moment never collide); the caller commits, which is what proves the database takes writes."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    values = {"id": 1, "checked_at": now, "checked_by": process[:120]}
    db.session.execute(insert(ReadinessProbe).values(values).on_conflict_do_update(
        index_elements=[ReadinessProbe.id], set_={"checked_at": now, "checked_by": process[:120]}))
