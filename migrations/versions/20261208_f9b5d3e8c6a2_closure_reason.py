"""the census's reason for closure (RC1 ... RC9) of each case's closing decision: empty, "not recorded", for the
cases closed before it was kept

Revision ID: f9b5d3e8c6a2
Revises: e7a4c2d9f5b3
Create Date: 2026-12-08 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f9b5d3e8c6a2'
down_revision = 'e7a4c2d9f5b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closure_reason', sa.String(length=3), nullable=True))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('closure_reason')
