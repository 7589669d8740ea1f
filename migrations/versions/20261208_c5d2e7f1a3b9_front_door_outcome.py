"""what the front door decided a contact was (a contact, a referral, a referral with no further action): cases
decided before it was recorded are marked "not_recorded", those still waiting stay empty

Revision ID: c5d2e7f1a3b9
Revises: b4e8a1c9d2f6
Create Date: 2026-12-08 03:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d2e7f1a3b9'
down_revision = 'b4e8a1c9d2f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('front_door_outcome', sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_front_door_outcome'), ['front_door_outcome'], unique=False)
    op.execute("UPDATE cases SET front_door_outcome = 'not_recorded' WHERE EXISTS (SELECT 1 FROM step_records "
               "WHERE step_records.case_id = cases.id AND step_records.form_key = 'referral_decision')")


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_front_door_outcome'))
        batch_op.drop_column('front_door_outcome')
