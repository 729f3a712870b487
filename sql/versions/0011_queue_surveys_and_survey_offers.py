"""Post-call surveys: a queue's survey (JSON), and survey answers that name their call.

A survey is put to the caller while the call goes on, before the call is in the history:
each row names the call by (server_id, linkedid) and the queue; a survey offered but not
answered has no score and no answered_at.

Revision ID: 0011
Revises: 0010

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import controller.db.types


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('queue', schema=None) as batch_op:
        batch_op.add_column(sa.Column('survey', sa.JSON(), nullable=True))

    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('server_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('linkedid', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('queue_name', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('offered_at', controller.db.types.UtcDateTime(), nullable=True))
        batch_op.alter_column('score', existing_type=sa.SmallInteger(), nullable=True)
        batch_op.alter_column(
            'answered_at', existing_type=controller.db.types.UtcDateTime(), nullable=True
        )
        batch_op.create_index('ix_survey_response_linkedid', ['server_id', 'linkedid'], unique=False)
        batch_op.create_index('ix_survey_response_offered', ['offered_at'], unique=False)
    # Answers stored before surveys were offered by the dialplan: offered when answered.
    op.execute("UPDATE survey_response SET offered_at = answered_at WHERE offered_at IS NULL")


def downgrade() -> None:
    """Downgrade schema (surveys offered and not answered are deleted)."""
    op.execute("DELETE FROM survey_response WHERE score IS NULL OR answered_at IS NULL")
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_response_offered')
        batch_op.drop_index('ix_survey_response_linkedid')
        batch_op.alter_column(
            'answered_at', existing_type=controller.db.types.UtcDateTime(), nullable=False
        )
        batch_op.alter_column('score', existing_type=sa.SmallInteger(), nullable=False)
        batch_op.drop_column('offered_at')
        batch_op.drop_column('queue_name')
        batch_op.drop_column('linkedid')
        batch_op.drop_column('server_id')

    with op.batch_alter_table('queue', schema=None) as batch_op:
        batch_op.drop_column('survey')
