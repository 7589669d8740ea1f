"""the child's coded details for the statutory returns (sex, ethnicity, disabilities, UPN or why it is not known,
date of death) and where each referral came from: empty, "not recorded", for every record made before

Revision ID: d6e3f8a2b4c1
Revises: c5d2e7f1a3b9
Create Date: 2026-12-08 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd6e3f8a2b4c1'
down_revision = 'c5d2e7f1a3b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sex', sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column('ethnicity', sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column('disabilities', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('upn', sa.String(length=13), nullable=True))
        batch_op.add_column(sa.Column('upn_unknown', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('died_on', sa.Date(), nullable=True))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_source', sa.String(length=3), nullable=True))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('referral_source')
    with op.batch_alter_table('children', schema=None) as batch_op:
        for column in ('died_on', 'upn_unknown', 'upn', 'disabilities', 'ethnicity', 'sex'):
            batch_op.drop_column(column)
