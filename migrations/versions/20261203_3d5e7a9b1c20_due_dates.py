"""due dates: the timers each instance armed, with their due times (derived rows)

Revision ID: 3d5e7a9b1c20
Revises: a9e1c7d3b2f4
Create Date: 2026-12-04 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.columns


# revision identifiers, used by Alembic.
revision = '3d5e7a9b1c20'
down_revision = 'a9e1c7d3b2f4'  # chained after the escalation outcome agreement (both began at 84e2879c8412)
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('workflow_timers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('bpmn_id', sa.String(length=120), nullable=False),
    sa.Column('due_at', webapp.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['workflow_instances.id'], name=op.f('fk_workflow_timers_instance_id_workflow_instances')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_timers')),
    sa.UniqueConstraint('task_id', name=op.f('uq_workflow_timers_task_id'))
    )
    with op.batch_alter_table('workflow_timers', schema=None) as batch_op:
        batch_op.create_index('ix_workflow_timers_instance_step', ['instance_id', 'bpmn_id'], unique=False)
    # Running instances get their rows from `flask workflows rebuild-derived` (the states are read in Python).


def downgrade():
    with op.batch_alter_table('workflow_timers', schema=None) as batch_op:
        batch_op.drop_index('ix_workflow_timers_instance_step')
    op.drop_table('workflow_timers')
