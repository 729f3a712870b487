"""A configuration revision counter, so cached snapshots know when to reload.

Revision ID: 0002
Revises: 0001

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import controller.db.types


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('config_revision',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('changed_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_config_revision_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_config_revision'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('config_revision')
