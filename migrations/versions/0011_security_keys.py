"""security keys and passkeys (WebAuthn credentials), and each user's WebAuthn handle

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
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_security_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_keys')),
    sa.UniqueConstraint('credential_id', name=op.f('uq_security_keys_credential_id'))
    )
    op.create_index(op.f('ix_security_keys_user_id'), 'security_keys', ['user_id'])
    op.add_column('users', sa.Column('webauthn_handle', sa.LargeBinary(length=64), nullable=True))
    op.create_index(op.f('ix_users_webauthn_handle'), 'users', ['webauthn_handle'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_users_webauthn_handle'), table_name='users')
    op.drop_column('users', 'webauthn_handle')
    op.drop_index(op.f('ix_security_keys_user_id'), table_name='security_keys')
    op.drop_table('security_keys')
