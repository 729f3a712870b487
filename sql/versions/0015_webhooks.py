"""CRM webhooks: endpoints and the deliveries (the persistent queue and its log).

Revision ID: 0015
Revises: 0014

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import controller.db.types


# revision identifiers, used by Alembic.
revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('webhook_endpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('secret', sa.String(length=128), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('queues', sa.JSON(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('created_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('updated_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoint')),
    sa.UniqueConstraint('name', name=op.f('uq_webhook_endpoint_name'))
    )
    op.create_table('webhook_delivery',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('endpoint_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('event', sa.String(length=48), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'delivered', 'failed', 'dropped', name='delivery_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('attempts', sa.SmallInteger(), nullable=False),
    sa.Column('next_attempt_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('created_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('last_attempt_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('last_status', sa.SmallInteger(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('delivered_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('test', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoint.id'], name=op.f('fk_webhook_delivery_endpoint_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery'))
    )
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_delivery_created', ['created_at'], unique=False)
        batch_op.create_index('ix_webhook_delivery_due', ['endpoint_id', 'status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_webhook_delivery_endpoint', ['endpoint_id', 'created_at'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('webhook_delivery')  # with its indexes
    op.drop_table('webhook_endpoint')
