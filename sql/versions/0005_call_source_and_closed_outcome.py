"""Call history: where a call's record came from (call.source) and the outcome 'closed'.

call.source says whether the controller followed the call whole over AMI ('live'), rebuilt
some of it from Asterisk's own CEL and queue_log after an outage ('recovered'), or missed part
of it ('partial'); a recovered record never replaces a live one. 'closed' counts calls that
arrived outside business hours apart from missed calls.

Revision ID: 0005
Revises: 0004

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OUTCOMES_BEFORE = ('answered', 'abandoned', 'callback', 'voicemail', 'transferred', 'unanswered',
                   'busy', 'failed', 'rejected')
OUTCOMES = OUTCOMES_BEFORE + ('closed',)
SOURCES = ('live', 'recovered', 'partial')


def _outcome_check(values: tuple[str, ...]) -> str:
    return "outcome IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _set_outcomes(values: tuple[str, ...]) -> None:
    # The CHECK constraint of the portable enum column (controller.db.types.str_enum).
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_call_call_outcome'), type_='check')
        batch_op.create_check_constraint(op.f('ck_call_call_outcome'), _outcome_check(values))


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'source',
            sa.Enum(*SOURCES, name='call_source', native_enum=False, create_constraint=True),
            server_default='live', nullable=False,
        ))
    _set_outcomes(OUTCOMES)


def downgrade() -> None:
    """Downgrade schema."""
    call = sa.table('call', sa.column('outcome', sa.String))  # quoted: CALL is a keyword
    op.execute(call.update().where(call.c.outcome == 'closed').values(outcome='unanswered'))
    _set_outcomes(OUTCOMES_BEFORE)
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_call_call_source'), type_='check')
        batch_op.drop_column('source')
