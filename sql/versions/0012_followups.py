"""Follow-ups (工单) and their history of changes.

Revision ID: 0012
Revises: 0011

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import controller.db.types


# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('followup',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=False),
    sa.Column('linkedid', sa.String(length=64), nullable=True),
    sa.Column('customer_code', sa.String(length=64), nullable=True),
    sa.Column('customer_number', sa.String(length=32), nullable=True),
    sa.Column('queue_name', sa.String(length=64), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('assignee_agent', sa.String(length=16), nullable=True),
    sa.Column('assignee_user', sa.String(length=64), nullable=True),
    sa.Column('due_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('status', sa.Enum('open', 'in_progress', 'done', name='followup_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('updated_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followup'))
    )
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.create_index('ix_followup_assignee', ['assignee_agent', 'status'], unique=False)
        batch_op.create_index('ix_followup_customer', ['customer_code'], unique=False)
        batch_op.create_index('ix_followup_linkedid', ['linkedid'], unique=False)
        batch_op.create_index('ix_followup_queue', ['queue_name', 'status'], unique=False)
        batch_op.create_index('ix_followup_status_due', ['status', 'due_at'], unique=False)

    op.create_table('followup_change',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('followup_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['followup_id'], ['followup.id'], name=op.f('fk_followup_change_followup_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_change'))
    )
    with op.batch_alter_table('followup_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followup_change_followup_id'), ['followup_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('followup_change')  # with their indexes
    op.drop_table('followup')
