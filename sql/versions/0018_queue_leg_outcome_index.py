"""Reports: an index on queue legs by queue, outcome and time.

A drill-down into a figure of one queue over a long window (a month's abandoned calls of a
queue) reads only the legs of that outcome, not every leg of the queue in the month.

Revision ID: 0018
Revises: 0017

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0018'
down_revision: Union[str, Sequence[str], None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index('ix_queue_leg_q_outcome_entered', 'queue_leg',
                    ['queue_name', 'outcome', 'entered_at'])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_queue_leg_q_outcome_entered', table_name='queue_leg')
