"""the child's NHS number (GP practices match on it), a team's phone (agencies' e-mails give it), the agency that
owns a plan action (its practitioners see it and mark it done)

Revision ID: b3f1d9e6c2a7
Revises: 7c1d2e3f4a5b
Create Date: 2026-12-05 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3f1d9e6c2a7'
down_revision = '7c1d2e3f4a5b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nhs_number', sa.String(length=10), nullable=True))
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=40), nullable=True))
    with op.batch_alter_table('case_actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_agency_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_case_actions_owner_agency_id'), ['owner_agency_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_case_actions_owner_agency_id_agencies'), 'agencies',
                                    ['owner_agency_id'], ['id'])


def downgrade():
    with op.batch_alter_table('case_actions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_case_actions_owner_agency_id_agencies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_case_actions_owner_agency_id'))
        batch_op.drop_column('owner_agency_id')
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_column('phone')
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.drop_column('nhs_number')
