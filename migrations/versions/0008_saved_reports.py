"""saved reports, and an index that holds what reports total

The index on (group_id, day) becomes one on (group_id, day, user_id, project_id, task_id,
minutes): the same searches, and a report's totals read without visiting the table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 06:36:48.256766

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('saved_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_key', sa.String(length=100), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_reports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_reports')),
    sa.UniqueConstraint('user_id', 'name_key', name=op.f('uq_saved_reports_user_id_name_key'))
    )


    op.drop_index('ix_time_entries_group_day', table_name='time_entries')
    op.create_index(
        'ix_time_entries_group_day_totals',
        'time_entries',
        ['group_id', 'day', 'user_id', 'project_id', 'task_id', 'minutes'],
    )


def downgrade():
    op.drop_index('ix_time_entries_group_day_totals', table_name='time_entries')
    op.create_index('ix_time_entries_group_day', 'time_entries', ['group_id', 'day'])
    op.drop_table('saved_reports')
