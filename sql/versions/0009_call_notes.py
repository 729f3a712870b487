"""Call notes: each agent's notes and disposition on a call, by the call's Linkedid.

The shipped roles get the scopes of notes and follow-ups (``pbxctl db upgrade`` also brings
them to what the installed version defines: controller.access.store.sync_builtin_roles).

Revision ID: 0009
Revises: 0008

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import controller.db.types


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NEW_SCOPES = {
    'agent': ['me.calls.notes', 'me.followups.read', 'me.followups.write'],
    'supervisor': ['calls.notes', 'followups.read', 'followups.write'],
    'reports': ['followups.read'],
}
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


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('call_note',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=False),
    sa.Column('linkedid', sa.String(length=64), nullable=False),
    sa.Column('agent_code', sa.String(length=16), nullable=False),
    sa.Column('disposition_code', sa.String(length=48), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('updated_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_note')),
    sa.UniqueConstraint('server_id', 'linkedid', 'agent_code', name=op.f('uq_call_note_server_id'))
    )
    with op.batch_alter_table('call_note', schema=None) as batch_op:
        batch_op.create_index('ix_call_note_agent', ['agent_code', 'updated_at'], unique=False)
    _scopes(add=True)


def downgrade() -> None:
    """Downgrade schema."""
    _scopes(add=False)
    op.drop_table('call_note')  # with its index
