"""readiness probe row: /ready proves the database takes writes

Revision ID: 5b7c2e9d4a11
Revises: 8cc6007fef8c
Create Date: 2026-12-04 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.columns


# revision identifiers, used by Alembic.
revision = '5b7c2e9d4a11'
down_revision = '8cc6007fef8c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('readiness_probes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checked_at', webapp.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('checked_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_readiness_probes'))
    )


def downgrade():
    op.drop_table('readiness_probes')
