"""API tokens (stored hashed) and agent logins (the truth for dynamic queue membership).

Revision ID: 0004
Revises: 0003

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import controller.db.types


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('last_used_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('revoked_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('name', name=op.f('uq_api_token_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    op.create_table('agent_login',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('device', sa.String(length=128), nullable=False),
    sa.Column('logged_in_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('pause_reason', sa.String(length=32), nullable=True),
    sa.Column('paused_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_agent_login_agent_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_login')),
    sa.UniqueConstraint('agent_id', name=op.f('uq_agent_login_agent_id'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('agent_login')
    op.drop_table('api_token')
