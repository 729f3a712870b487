"""Queues' wallboard thresholds: when the tiles turn amber and red.

Revision ID: 0010
Revises: 0009

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import controller.db.types


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = (
    'wallboard_waiting_amber', 'wallboard_waiting_red',
    'wallboard_wait_amber_seconds', 'wallboard_wait_red_seconds',
    'wallboard_sl_amber_percent', 'wallboard_sl_red_percent',
)


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('queue', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
    # Queues configured before: the configuration's defaults (longest wait 60/120 s, SL 80/60 %).
    op.execute(
        "UPDATE queue SET wallboard_wait_amber_seconds = 60, wallboard_wait_red_seconds = 120,"
        " wallboard_sl_amber_percent = 80, wallboard_sl_red_percent = 60"
    )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('queue', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
