"""Site option blf_hints: whether phones get a dialplan hint (BLF).

Revision ID: 0003
Revises: 0002

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import controller.db.types


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('blf_hints', sa.Boolean(), nullable=False, server_default=sa.true()))



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('blf_hints')

