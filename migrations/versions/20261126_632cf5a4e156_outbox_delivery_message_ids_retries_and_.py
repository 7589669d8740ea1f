"""outbox delivery: message ids, retries and failures

Revision ID: 632cf5a4e156
Revises: 639e9c6ba687
Create Date: 2026-11-26 04:05:53.810536

"""
from alembic import op
import sqlalchemy as sa

import webapp.columns


# revision identifiers, used by Alembic.
revision = '632cf5a4e156'
down_revision = '639e9c6ba687'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_at', webapp.columns.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_at', webapp.columns.UTCDateTime(timezone=True), nullable=True))
    # Messages queued before this change get an id and are due at once.
    op.execute("UPDATE outbox_messages SET message_id = '<outbox-' || id || '@cin-workflow.local>', "
               "next_attempt_at = created_at")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('message_id', existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column('next_attempt_at', existing_type=webapp.columns.UTCDateTime(timezone=True),
                              nullable=False)
        batch_op.drop_index(batch_op.f('ix_outbox_messages_unsent'))
        batch_op.create_index('ix_outbox_messages_due', ['sent_at', 'failed_at', 'next_attempt_at'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_messages_message_id'), ['message_id'])


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_outbox_messages_message_id'), type_='unique')
        batch_op.drop_index('ix_outbox_messages_due')
        batch_op.create_index(batch_op.f('ix_outbox_messages_unsent'), ['sent_at', 'created_at'], unique=False)
        batch_op.drop_column('failed_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('message_id')
