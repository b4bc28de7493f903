"""the second factor an API token's login gave

Tokens issued before this revision are taken to have given none: those of users whose rule
now asks for a factor stop working, and their clients log in again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('second_factor', sa.String(length=20), nullable=False, server_default='none')
        )


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('second_factor')
