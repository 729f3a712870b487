"""Saved report filters: each user's named filters of a report page.

Revision ID: 0016
Revises: 0015

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import controller.db.types


# revision identifiers, used by Alembic.
revision: str = '0016'
down_revision: Union[str, Sequence[str], None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('saved_report_filter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('report', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('query', sa.JSON(), nullable=False),
    sa.Column('created_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('updated_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_saved_report_filter_user_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_report_filter')),
    sa.UniqueConstraint('user_id', 'report', 'name', name=op.f('uq_saved_report_filter_user_id'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('saved_report_filter')
