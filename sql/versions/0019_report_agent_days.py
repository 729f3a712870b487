"""Reports: the agent rollups summed per local date, beside the hourly ones.

``report_agent_day`` and ``report_agent_state_day`` hold the sums of ``report_agent_hour``'s
and ``report_agent_state_hour``'s rows of each date; the rollups' writer keeps them equal
(controller/reports/rollup.py). A month's agent report by day reads ~7,000 + ~9,000 rows
instead of adding up ~80,000 + ~140,000. Filled from the hourly rows already there.

Revision ID: 0019
Revises: 0018

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0019'
down_revision: Union[str, Sequence[str], None] = '0018'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COUNTS = ('handled', 'transfers_received', 'missed', 'transfers_made')
TIMES = ('talk_ms', 'hold_ms', 'acw_ms')


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('report_agent_day',
        sa.Column('local_date', sa.Date(), nullable=False),
        sa.Column('agent_code', sa.String(length=16), nullable=False),
        sa.Column('handled', sa.Integer(), nullable=False),
        *[sa.Column(name, sa.BigInteger(), nullable=False) for name in TIMES],
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS[1:]],
        sa.PrimaryKeyConstraint('local_date', 'agent_code', name=op.f('pk_report_agent_day')))
    op.create_table('report_agent_state_day',
        sa.Column('local_date', sa.Date(), nullable=False),
        sa.Column('agent_code', sa.String(length=16), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=False),
        sa.Column('ms', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('local_date', 'agent_code', 'state', 'reason',
                                name=op.f('pk_report_agent_state_day')))
    values = ', '.join(f'SUM({name})' for name in ('handled', *TIMES, *COUNTS[1:]))
    columns = ', '.join(('handled', *TIMES, *COUNTS[1:]))
    op.execute(f'INSERT INTO report_agent_day (local_date, agent_code, {columns}) '
               f'SELECT local_date, agent_code, {values} FROM report_agent_hour '
               'GROUP BY local_date, agent_code')
    op.execute('INSERT INTO report_agent_state_day (local_date, agent_code, state, reason, ms) '
               'SELECT local_date, agent_code, state, reason, SUM(ms) '
               'FROM report_agent_state_hour GROUP BY local_date, agent_code, state, reason')


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('report_agent_state_day')
    op.drop_table('report_agent_day')
