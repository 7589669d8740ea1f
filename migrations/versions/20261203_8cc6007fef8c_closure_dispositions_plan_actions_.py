"""open work at closure (actions handed on or left open, requests withdrawn), plan actions tracked, worker
heartbeats and administrators' alerts, the outbox's last attempt

Revision ID: 8cc6007fef8c
Revises: 3d5e7a9b1c20
Create Date: 2026-12-03 21:29:18.731863

"""
from alembic import op
import sqlalchemy as sa

import webapp.columns


# revision identifiers, used by Alembic.
revision = '8cc6007fef8c'
down_revision = '3d5e7a9b1c20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('worker_heartbeats',
    sa.Column('worker', sa.String(length=120), nullable=False),
    sa.Column('started_at', webapp.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_pass_at', webapp.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_pass_seconds', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('worker', name=op.f('pk_worker_heartbeats'))
    )
    op.create_table('admin_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('raised_at', webapp.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cleared_at', webapp.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cleared_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['cleared_by_id'], ['users.id'], name=op.f('fk_admin_alerts_cleared_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_alerts'))
    )
    with op.batch_alter_table('admin_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_admin_alerts_open', ['cleared_at', 'kind'], unique=False)

    with op.batch_alter_table('case_actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step_record_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('disposition', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('disposition_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('disposed_at', webapp.columns.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column('minutes_version_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_case_actions_owner_id'), ['owner_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_case_actions_owner_id_users'), 'users', ['owner_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_case_actions_step_record_id_step_records'), 'step_records', ['step_record_id'], ['id'])

    with op.batch_alter_table('information_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', webapp.columns.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sa.Text(), nullable=True))

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_attempt_at', webapp.columns.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('last_attempt_at')

    with op.batch_alter_table('information_requests', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_reason')
        batch_op.drop_column('withdrawn_at')

    with op.batch_alter_table('case_actions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_case_actions_step_record_id_step_records'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_case_actions_owner_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_case_actions_owner_id'))
        batch_op.alter_column('minutes_version_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('disposed_at')
        batch_op.drop_column('disposition_note')
        batch_op.drop_column('disposition')
        batch_op.drop_column('owner_id')
        batch_op.drop_column('step_record_id')

    with op.batch_alter_table('admin_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_admin_alerts_open')

    op.drop_table('admin_alerts')
    op.drop_table('worker_heartbeats')
