"""Reports: hourly rollups, the inbound route of each call, indexes, agents' own figures.

- ``report_queue_hour``, ``report_agent_hour``, ``report_agent_state_hour``: what the
  reports' fact queries give per local hour, kept so a month reads hundreds of rows, not
  every leg (controller/reports/rollup.py); ``report_dirty_hour``: hours the history writer
  changed since; ``report_rollup_range``: the hours the rollups cover;

- ``call.route``: the inbound route that took the call (the "calls per DID and route"
  report; the DID alone cannot tell two routes of one number apart, e.g. by caller region);
- indexes for rows the reports read by time without a frozen local date: rings per agent
  (missed rings), transfers and callback requests by time;
- the shipped agent role gets ``me.reports.read`` (their own report figures; ``pbxctl db
  upgrade`` also brings builtin roles to what the installed version defines).

Revision ID: 0013
Revises: 0012

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import controller.db.types


# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NEW_SCOPES = {'agent': ['me.reports.read']}
ROLE = sa.table('role', sa.column('id', sa.Integer), sa.column('name', sa.String),
                sa.column('scopes', sa.JSON), sa.column('builtin', sa.Boolean))


def _scopes(add: bool) -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(ROLE.c.id, ROLE.c.name, ROLE.c.scopes).where(ROLE.c.builtin.is_(True))
    ).all()
    for role_id, name, scopes in rows:
        changes = NEW_SCOPES.get(name, [])
        kept = [s for s in scopes or [] if s not in changes]
        new = kept + changes if add else kept
        if new != scopes:
            connection.execute(ROLE.update().where(ROLE.c.id == role_id).values(scopes=new))


COUNTS = ('offered', 'answered', 'answered_in_sl', 'abandoned', 'short_abandoned',
          'abandoned_in_sl', 'timeout', 'exit_key', 'no_agents', 'full', 'withdrawn',
          'transferred', 'closed')
SUMS = ('wait_answered_ms', 'max_wait_answered_ms', 'wait_abandoned_ms',
        'max_wait_abandoned_ms')
AGENT_COUNTS = ('handled', 'transfers_received', 'missed', 'transfers_made')


def _hour_keys() -> list[sa.Column]:
    return [sa.Column('local_date', sa.Date(), nullable=False),
            sa.Column('local_hour', sa.SmallInteger(), nullable=False)]


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('report_queue_hour', *_hour_keys(),
        sa.Column('queue_name', sa.String(length=64), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
        *[sa.Column(name, sa.BigInteger(), nullable=False) for name in SUMS],
        sa.Column('handled', sa.Integer(), nullable=False),
        *[sa.Column(name, sa.BigInteger(), nullable=False) for name in ('talk_ms', 'hold_ms', 'acw_ms')],
        sa.Column('sl_seconds', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('local_date', 'local_hour', 'queue_name', name=op.f('pk_report_queue_hour')))
    op.create_table('report_agent_hour', *_hour_keys(),
        sa.Column('agent_code', sa.String(length=16), nullable=False),
        sa.Column('handled', sa.Integer(), nullable=False),
        *[sa.Column(name, sa.BigInteger(), nullable=False) for name in ('talk_ms', 'hold_ms', 'acw_ms')],
        *[sa.Column(name, sa.Integer(), nullable=False) for name in AGENT_COUNTS[1:]],
        sa.PrimaryKeyConstraint('local_date', 'local_hour', 'agent_code', name=op.f('pk_report_agent_hour')))
    op.create_table('report_agent_state_hour', *_hour_keys(),
        sa.Column('agent_code', sa.String(length=16), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=False),
        sa.Column('ms', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('local_date', 'local_hour', 'agent_code', 'state', 'reason',
                                name=op.f('pk_report_agent_state_hour')))
    op.create_table('report_dirty_hour', *_hour_keys(),
        sa.Column('marked_at', controller.db.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('local_date', 'local_hour', name=op.f('pk_report_dirty_hour')))
    op.create_table('report_rollup_range',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('since', controller.db.types.UtcDateTime(), nullable=False),
        sa.Column('until', controller.db.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_rollup_range')))
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('route', sa.String(length=64), nullable=True))
    with op.batch_alter_table('agent_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_agent_attempt_agent_rang', ['agent_code', 'rang_at'], unique=False)
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.create_index('ix_transfer_at', ['at'], unique=False)
    with op.batch_alter_table('callback_request', schema=None) as batch_op:
        batch_op.create_index('ix_callback_requested', ['requested_at'], unique=False)
    _scopes(add=True)


def downgrade() -> None:
    """Downgrade schema."""
    _scopes(add=False)
    with op.batch_alter_table('callback_request', schema=None) as batch_op:
        batch_op.drop_index('ix_callback_requested')
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.drop_index('ix_transfer_at')
    with op.batch_alter_table('agent_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_agent_attempt_agent_rang')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_column('route')
    for table in ('report_rollup_range', 'report_dirty_hour', 'report_agent_state_hour',
                  'report_agent_hour', 'report_queue_hour'):
        op.drop_table(table)
