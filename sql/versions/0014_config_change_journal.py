"""The configuration change journal: what each revision added, changed or removed.

The dialplan apply renders only what a change affects (controller/dialplan/incremental.py)
and asks this journal what happened since the revision its render cache holds.

Revision ID: 0014
Revises: 0013

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import controller.db.types


# revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('config_change',
    sa.Column('revision', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('changed_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('revision', name=op.f('pk_config_change'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('config_change')
