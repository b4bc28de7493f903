"""server-side sessions, and the browsers each user has logged in from

Every login becomes a row of user_sessions; an API token belongs to the session of its login,
which keeps its second factor, its end and when it was last seen. Existing browser cookies
carry no session, and the API tokens issued before this revision are deleted (they have none):
their users log in again. users.session_token, which the cookies and tokens were bound to, is
dropped: ending sessions now deletes their rows. The audit trail gets an index for a user's
recent sign-ins.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 15:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('second_factor', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client_address', sa.String(length=45), nullable=True),
    sa.Column('device', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions'))
    )
    op.create_index(op.f('ix_user_sessions_user_id'), 'user_sessions', ['user_id'])
    op.create_index(op.f('ix_user_sessions_expires_at'), 'user_sessions', ['expires_at'])
    op.create_table('known_devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_known_devices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_known_devices')),
    sa.UniqueConstraint('user_id', 'token_hash', name=op.f('uq_known_devices_user_id_token_hash'))
    )
    op.execute('DELETE FROM api_tokens')  # issued under users.session_token, with no session
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sa.String(length=64), nullable=False))
        batch_op.create_index(batch_op.f('ix_api_tokens_session_id'), ['session_id'])
        batch_op.create_foreign_key(
            batch_op.f('fk_api_tokens_session_id_user_sessions'), 'user_sessions', ['session_id'], ['id'],
            ondelete='CASCADE',
        )
        batch_op.drop_index(batch_op.f('ix_api_tokens_expires_at'))
        for moved_to_the_session in ('user_session_token', 'second_factor', 'expires_at', 'last_used_at', 'revoked_at'):
            batch_op.drop_column(moved_to_the_session)
    op.drop_column('users', 'session_token')
    op.create_index('ix_audit_events_actor_event', 'audit_events', ['actor_id', 'event', 'id'])


def downgrade():
    op.drop_index('ix_audit_events_actor_event', table_name='audit_events')
    # Every user gets a new random token (none of the old cookies comes back with it).
    op.add_column('users', sa.Column('session_token', sa.String(length=64), nullable=False, server_default='0'))
    op.execute("UPDATE users SET session_token = 'down' || id")
    op.execute('DELETE FROM api_tokens')  # their sessions go with user_sessions
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_tokens_session_id_user_sessions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_tokens_session_id'))
        batch_op.drop_column('session_id')
        batch_op.add_column(sa.Column('user_session_token', sa.String(length=64), nullable=False))
        batch_op.add_column(sa.Column('second_factor', sa.String(length=20), nullable=False, server_default='none'))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False))
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_api_tokens_expires_at'), ['expires_at'], unique=False)
    op.drop_table('known_devices')
    op.drop_index(op.f('ix_user_sessions_expires_at'), table_name='user_sessions')
    op.drop_index(op.f('ix_user_sessions_user_id'), table_name='user_sessions')
    op.drop_table('user_sessions')
