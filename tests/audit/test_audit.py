"""The audit trail is append-only, and reading it is itself audited."""
import pytest
from sqlalchemy import select

from tests.helpers import sign_in
from webapp.audit.models import AuditEvent, AuditRowImmutable
from webapp.audit.services import record_event
from webapp.auth.roles import Role


def test_audit_rows_cannot_be_changed_or_removed(factory, db_session):
    user = factory.user(Role.SOCIAL_WORKER)
    db_session.commit()
    row = db_session.get(AuditEvent, record_event("test.event", actor=user, subject=user))
    row.action = "tampered"
    with pytest.raises(AuditRowImmutable):
        db_session.flush()
    db_session.rollback()
    row = db_session.get(AuditEvent, record_event("test.event", actor=user, subject=user))
    db_session.delete(row)
    with pytest.raises(AuditRowImmutable):
        db_session.flush()


def test_administrator_reads_the_trail_and_the_reading_is_recorded(client, factory, db_session):
    admin = factory.user(Role.ADMINISTRATOR)
    sign_in(client, "nobody-at-all", "wrong-password-1")
    sign_in(client, admin.username)
    page = client.get("/admin/audit/")
    assert page.status_code == 200
    assert "nobody-at-all" in page.text and "unknown user" in page.text
    viewed = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.list_viewed")).all()
    assert [row.actor_id for row in viewed] == [admin.id]
