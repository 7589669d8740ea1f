"""escalation outcome agreement: the statement the case's side proposes, awaiting the raiser's side

Revision ID: a9e1c7d3b2f4
Revises: 84e2879c8412
Create Date: 2026-12-03 19:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.columns


# revision identifiers, used by Alembic.
revision = 'a9e1c7d3b2f4'
down_revision = '84e2879c8412'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('escalation_stages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposed_statement', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('proposed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('proposed_at', webapp.columns.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_escalation_stages_proposed_by_id_users'), 'users',
                                    ['proposed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('escalation_stages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_escalation_stages_proposed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('proposed_at')
        batch_op.drop_column('proposed_by_id')
        batch_op.drop_column('proposed_statement')
