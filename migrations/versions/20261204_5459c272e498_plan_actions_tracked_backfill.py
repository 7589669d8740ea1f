"""plan actions tracked: the actions of each open case's current CIN plan become tracked case actions

The latest plan record of each open case, as last corrected, gets one case_actions row per action (owner as
written; the owner's account when the plan named one that still exists). Cases already tracking plan actions
are left alone, so running it after the code has tracked some changes nothing. Downgrade deletes every plan
action (the rows with a step_record_id).

Revision ID: 5459c272e498
Revises: 5b7c2e9d4a11
Create Date: 2026-12-04 09:00:00.000000

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5459c272e498'
down_revision = '5b7c2e9d4a11'
branch_labels = None
depends_on = None

cases = sa.table('cases', sa.column('id', sa.Integer), sa.column('closed_at', sa.DateTime))
records = sa.table('step_records', sa.column('id', sa.Integer), sa.column('case_id', sa.Integer),
                   sa.column('form_key', sa.String), sa.column('answers', sa.JSON),
                   sa.column('completed_at', sa.DateTime))
corrections = sa.table('step_corrections', sa.column('id', sa.Integer), sa.column('step_record_id', sa.Integer),
                       sa.column('answers', sa.JSON))
users = sa.table('users', sa.column('id', sa.Integer))
actions = sa.table('case_actions', sa.column('id', sa.Integer), sa.column('case_id', sa.Integer),
                   sa.column('step_record_id', sa.Integer), sa.column('action', sa.String),
                   sa.column('owner', sa.String), sa.column('owner_id', sa.Integer), sa.column('due_on', sa.Date))


def _date(value):
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def upgrade():
    connection = op.get_bind()
    tracking = set(connection.execute(sa.select(actions.c.case_id).where(actions.c.step_record_id.is_not(None))
                                      .distinct()).scalars())
    user_ids = set(connection.execute(sa.select(users.c.id)).scalars())
    latest = {}  # case id -> (record id, answers): ordered so that the last one seen per case is the latest
    for row in connection.execute(
            sa.select(records.c.id, records.c.case_id, records.c.answers)
            .join(cases, cases.c.id == records.c.case_id)
            .where(records.c.form_key == 'cin_plan', cases.c.closed_at.is_(None))
            .order_by(records.c.case_id, records.c.completed_at, records.c.id)):
        latest[row.case_id] = (row.id, row.answers)
    for case_id, (record_id, answers) in latest.items():
        if case_id in tracking:
            continue
        corrected = connection.execute(sa.select(corrections.c.answers)
                                       .where(corrections.c.step_record_id == record_id)
                                       .order_by(corrections.c.id.desc()).limit(1)).scalar()
        rows = []
        for item in (corrected if corrected is not None else answers or {}).get('actions') or []:
            text, due_on = str(item.get('action', '')).strip()[:500], _date(item.get('due_on'))
            if not text or due_on is None:
                continue
            account = item.get('owner_account')
            rows.append({'case_id': case_id, 'step_record_id': record_id, 'action': text,
                         'owner': str(item.get('owner', '')).strip()[:200],
                         'owner_id': account if isinstance(account, int) and account in user_ids else None,
                         'due_on': due_on})
        if rows:
            connection.execute(actions.insert(), rows)


def downgrade():
    op.get_bind().execute(actions.delete().where(actions.c.step_record_id.is_not(None)))
