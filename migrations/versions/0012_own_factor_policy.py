"""the group's second-factor policy: the emailed code, or the user's own app or key after a grace period

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 15:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('groups', sa.Column('second_factor_policy', sa.String(length=20), nullable=False, server_default='any'))
    op.add_column('groups', sa.Column('own_factor_grace_days', sa.SmallInteger(), nullable=False, server_default='7'))
    op.add_column('groups', sa.Column('own_factor_deadline', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # Not a batch: on SQLite that copies the table, and dropping the old one deletes its roles.
    op.drop_column('groups', 'own_factor_deadline')
    op.drop_column('groups', 'own_factor_grace_days')
    op.drop_column('groups', 'second_factor_policy')
