"""open tasks keep every role their step names (the pages and the runtime check the same roles)

Revision ID: 7c1d2e3f4a5b
Revises: 5459c272e498
Create Date: 2026-12-04 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1d2e3f4a5b'
down_revision = '5459c272e498'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workflow_open_tasks') as batch_op:
        batch_op.add_column(sa.Column('roles', sa.String(length=200), nullable=True))
    # Rows already open name their first role only; `flask workflows rebuild-derived` gives them every role.
    op.execute("UPDATE workflow_open_tasks SET roles = role WHERE role IS NOT NULL")


def downgrade():
    with op.batch_alter_table('workflow_open_tasks') as batch_op:
        batch_op.drop_column('roles')
