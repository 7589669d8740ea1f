"""statutory visits: each visit recorded on a case, and each case's visiting schedule (a derived row) filled in
for the plans already written, counted from the first plan's start since no visit is recorded yet

Revision ID: e7a4c2d9f5b3
Revises: d6e3f8a2b4c1
Create Date: 2026-12-08 03:40:00.000000

"""
import json
from datetime import date, timedelta

from alembic import op
import sqlalchemy as sa

import webapp.columns


# revision identifiers, used by Alembic.
revision = 'e7a4c2d9f5b3'
down_revision = 'd6e3f8a2b4c1'
branch_labels = None
depends_on = None

# As webapp/visits/services.py has them when this migration was written.
FREQUENCY_DAYS = {"weekly": 7, "fortnightly": 14, "every_four_weeks": 28}


def upgrade():
    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('is_child_seen', sa.Boolean(), nullable=False),
    sa.Column('is_seen_alone', sa.Boolean(), nullable=True),
    sa.Column('is_bedroom_seen', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', webapp.columns.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_visits_case_id_cases')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_visits_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_case_seen_on', ['case_id', 'is_child_seen', 'visited_on'], unique=False)

    op.create_table('visit_schedules',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=40), nullable=False),
    sa.Column('plan_started_on', sa.Date(), nullable=False),
    sa.Column('last_seen_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('alerted_for_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_visit_schedules_case_id_cases')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_visit_schedules'))
    )
    with op.batch_alter_table('visit_schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_schedules_due_on'), ['due_on'], unique=False)
    _schedule_existing_plans()


def _schedule_existing_plans():
    """A schedule for each case with a plan: the latest plan's frequency (as last corrected), from the first
    plan's agreed date. Those already overdue are on the dashboard but count as alerted: the teams are not sent
    one e-mail for each of them the moment the service is upgraded."""
    connection = op.get_bind()
    plans = connection.execute(sa.text(
        "SELECT id, case_id, answers FROM step_records WHERE form_key = 'cin_plan' ORDER BY case_id, completed_at, id"
    )).all()
    corrected = {}
    for record_id, answers in connection.execute(sa.text(
            "SELECT step_record_id, answers FROM step_corrections WHERE step_record_id IN "
            "(SELECT id FROM step_records WHERE form_key = 'cin_plan') ORDER BY id")).all():
        corrected[record_id] = answers
    by_case = {}
    for record_id, case_id, answers in plans:
        current = corrected.get(record_id, answers)
        by_case.setdefault(case_id, []).append(json.loads(current) if isinstance(current, str) else current)
    schedules = sa.table('visit_schedules', sa.column('case_id', sa.Integer()), sa.column('frequency', sa.String()),
                         sa.column('plan_started_on', sa.Date()), sa.column('due_on', sa.Date()),
                         sa.column('alerted_for_on', sa.Date()))
    rows = []
    for case_id, answers in by_case.items():
        frequency = answers[-1].get("visiting_frequency")
        try:
            started = date.fromisoformat(str(answers[0].get("plan_agreed_on")))
        except ValueError:
            continue
        if frequency in FREQUENCY_DAYS:
            due_on = started + timedelta(days=FREQUENCY_DAYS[frequency])
            rows.append({"case_id": case_id, "frequency": frequency, "plan_started_on": started, "due_on": due_on,
                         "alerted_for_on": due_on if due_on < date.today() else None})
    if rows:
        op.bulk_insert(schedules, rows)


def downgrade():
    with op.batch_alter_table('visit_schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_schedules_due_on'))

    op.drop_table('visit_schedules')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_case_seen_on')

    op.drop_table('visits')
