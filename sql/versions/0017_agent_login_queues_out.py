"""Per-queue login: the queues an agent signed out of while logged in to the others.

Revision ID: 0017
Revises: 0016

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0017'
down_revision: Union[str, Sequence[str], None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Nullable, no default: a login stored before this revision is in all its queues.
    op.add_column('agent_login', sa.Column('queues_out', sa.JSON(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('agent_login') as batch:
        batch.drop_column('queues_out')
