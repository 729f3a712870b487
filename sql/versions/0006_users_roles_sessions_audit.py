"""Users, roles, browser sessions, the audit log; tokens get a role; recordings a deletion time.

The five shipped roles are created here with the scopes they had when this migration was
written (``pbxctl db upgrade`` then brings builtin roles to the scopes of the installed
version: controller.access.store.sync_builtin_roles). Tokens made before roles existed could
do everything: they get the admin role, so nothing stops working; make narrower ones.

Revision ID: 0006
Revises: 0005

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import controller.db.types


ROLES = (
    ('agent', 'an agent: own seat and calls',
     ['me.calls.read', 'me.calls.control', 'me.calls.originate', 'me.calls.record',
      'me.agents.read', 'me.agents.state', 'me.screen_pops.read', 'me.history.read',
      'queues.read', 'customers.read']),
    ('supervisor', 'a team lead: the queues given, live and in reports',
     ['calls.read', 'calls.control', 'calls.originate', 'calls.record', 'calls.listen',
      'calls.whisper', 'calls.barge', 'queues.read', 'agents.read', 'agents.state',
      'screen_pops.read', 'customers.read', 'history.read', 'recordings.read',
      'wallboard.read', 'reports.read', 'status.read']),
    ('wallboard', 'a wallboard screen: read-only figures', ['wallboard.read', 'agents.read']),
    ('reports', 'a manager: reports, history and recordings',
     ['reports.read', 'history.read', 'recordings.read', 'queues.read', 'agents.read']),
    ('admin', 'the administrator: everything', ['#']),
)
ADMIN_ID = 5

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('audit_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('object_kind', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.String(length=128), nullable=False),
    sa.Column('linkedid', sa.String(length=64), nullable=True),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_action', ['action', 'at'], unique=False)
        batch_op.create_index('ix_audit_event_actor', ['actor', 'at'], unique=False)
        batch_op.create_index('ix_audit_event_at', ['at'], unique=False)

    op.create_table('role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('builtin', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role')),
    sa.UniqueConstraint('name', name=op.f('uq_role_name'))
    )
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=128), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('agent_code', sa.String(length=16), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('queues', sa.JSON(), nullable=True),
    sa.Column('created_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('password_changed_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('last_login_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('disabled_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_app_user_role_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('login', name=op.f('uq_app_user_login'))
    )
    op.create_table('web_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('last_seen_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('expires_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_web_session_user_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_web_session_token_hash'))
    )
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_session_user_id'), ['user_id'], unique=False)

    role = sa.table('role', sa.column('id', sa.Integer), sa.column('name', sa.String),
                    sa.column('description', sa.String), sa.column('scopes', sa.JSON),
                    sa.column('builtin', sa.Boolean))
    op.bulk_insert(role, [
        {'id': number, 'name': name, 'description': description, 'scopes': scopes,
         'builtin': True}
        for number, (name, description, scopes) in enumerate(ROLES, 1)
    ])
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('queues', sa.JSON(), nullable=True))
    token = sa.table('api_token', sa.column('role_id', sa.Integer))
    op.execute(token.update().values(role_id=ADMIN_ID))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('role_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_api_token_role_id'), 'role', ['role_id'], ['id'])

    with op.batch_alter_table('recording', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', controller.db.types.UtcDateTime(), nullable=True))



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('recording', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')

    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_token_role_id'), type_='foreignkey')
        batch_op.drop_column('queues')
        batch_op.drop_column('role_id')

    op.drop_table('web_session')  # with its indexes (MariaDB refuses to drop an FK's index first)
    op.drop_table('app_user')
    op.drop_table('role')
    op.drop_table('audit_event')
