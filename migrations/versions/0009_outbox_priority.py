"""the outbox's priority: mail someone waits for at the screen goes first

Messages already queued keep their order; the codes and reset links among them go first.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 11:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

WAITED_FOR, NOTICE = 0, 1


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('priority', sa.SmallInteger(), nullable=False, server_default=str(NOTICE))
        )
    outbox = sa.table('outbox_messages', sa.column('purpose', sa.String), sa.column('priority', sa.SmallInteger))
    op.execute(
        outbox.update()
        .where(outbox.c.purpose.in_(['2fa code', 'password reset']))
        .values(priority=WAITED_FOR)
    )


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('priority')
