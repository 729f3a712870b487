"""Dispositions (configuration), the dispositions a queue offers, queues' screen-pop URLs.

Revision ID: 0007
Revises: 0006

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import controller.db.types


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('disposition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=48), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=128), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disposition')),
    sa.UniqueConstraint('code', name=op.f('uq_disposition_code'))
    )
    op.create_table('queue_disposition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=False),
    sa.Column('disposition_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['disposition_id'], ['disposition.id'], name=op.f('fk_queue_disposition_disposition_id')),
    sa.ForeignKeyConstraint(['queue_id'], ['queue.id'], name=op.f('fk_queue_disposition_queue_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_disposition')),
    sa.UniqueConstraint('queue_id', 'disposition_id', name=op.f('uq_queue_disposition_queue_id'))
    )
    with op.batch_alter_table('queue_disposition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_disposition_disposition_id'), ['disposition_id'], unique=False)

    with op.batch_alter_table('queue', schema=None) as batch_op:
        batch_op.add_column(sa.Column('screen_pop_url', sa.String(length=1000), nullable=True))



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('queue', schema=None) as batch_op:
        batch_op.drop_column('screen_pop_url')

    op.drop_table('queue_disposition')  # with its index (MariaDB: an FK's index goes with it)
    op.drop_table('disposition')
