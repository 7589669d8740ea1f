"""the audit trail's filters: by person (account or name typed), kind of event and dates, newest first

Revision ID: b4e8a1c9d2f6
Revises: b3f1d9e6c2a7
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b4e8a1c9d2f6'
down_revision = 'b3f1d9e6c2a7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events') as batch_op:
        # The account's index gains occurred_at (the page's order); as its first column it still serves the key.
        batch_op.drop_index('ix_audit_events_actor_id')
        batch_op.create_index('ix_audit_events_actor_occurred_at', ['actor_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_audit_events_actor_label_occurred_at', ['actor_label', 'occurred_at'],
                              unique=False)
        batch_op.create_index('ix_audit_events_occurred_at', ['occurred_at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events') as batch_op:
        batch_op.drop_index('ix_audit_events_occurred_at')
        batch_op.drop_index('ix_audit_events_actor_label_occurred_at')
        batch_op.drop_index('ix_audit_events_actor_occurred_at')
        batch_op.create_index('ix_audit_events_actor_id', ['actor_id'], unique=False)
