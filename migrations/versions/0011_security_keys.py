"""security keys and passkeys (WebAuthn credentials) with their ceremonies' challenges, and each user's WebAuthn handle

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 15:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('security_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('credential_id', sa.LargeBinary(length=1023), nullable=False),
    sa.Column('public_key', sa.LargeBinary(length=2048), nullable=False),
    sa.Column('sign_count', sa.BigInteger(), nullable=False),
    sa.Column('transports', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shown_codes_encrypted', sa.Text(), nullable=True),
    sa.Column('shown_codes_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_security_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_keys')),
    sa.UniqueConstraint('credential_id', name=op.f('uq_security_keys_credential_id')),
    sa.UniqueConstraint('user_id', 'name', name=op.f('uq_security_keys_user_id_name'))
    )
    op.create_index(op.f('ix_security_keys_user_id'), 'security_keys', ['user_id'])
    op.create_table('webauthn_challenges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge', sa.LargeBinary(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('pending_login_id', sa.Integer(), nullable=True),
    sa.Column('browser_hash', sa.String(length=64), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pending_login_id'], ['pending_logins.id'], name=op.f('fk_webauthn_challenges_pending_login_id_pending_logins'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webauthn_challenges_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webauthn_challenges')),
    sa.UniqueConstraint('challenge', name=op.f('uq_webauthn_challenges_challenge'))
    )
    op.create_index(op.f('ix_webauthn_challenges_expires_at'), 'webauthn_challenges', ['expires_at'])
    op.create_index(op.f('ix_webauthn_challenges_pending_login_id'), 'webauthn_challenges', ['pending_login_id'])
    op.create_index(op.f('ix_webauthn_challenges_user_id'), 'webauthn_challenges', ['user_id'])
    op.add_column('users', sa.Column('webauthn_handle', sa.LargeBinary(length=64), nullable=True))
    op.create_index(op.f('ix_users_webauthn_handle'), 'users', ['webauthn_handle'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_users_webauthn_handle'), table_name='users')
    op.drop_column('users', 'webauthn_handle')
    op.drop_index(op.f('ix_webauthn_challenges_user_id'), table_name='webauthn_challenges')
    op.drop_index(op.f('ix_webauthn_challenges_pending_login_id'), table_name='webauthn_challenges')
    op.drop_index(op.f('ix_webauthn_challenges_expires_at'), table_name='webauthn_challenges')
    op.drop_table('webauthn_challenges')
    op.drop_index(op.f('ix_security_keys_user_id'), table_name='security_keys')
    op.drop_table('security_keys')
