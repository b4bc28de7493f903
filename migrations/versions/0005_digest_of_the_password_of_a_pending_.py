"""digest of the password of a pending login

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 16:46:11.824501

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pending_logins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_digest', sa.String(length=64), nullable=True))

def downgrade():
    with op.batch_alter_table('pending_logins', schema=None) as batch_op:
        batch_op.drop_column('password_digest')

