"""Initial schema: PBX configuration, call center, customers and call history.

Revision ID: 0001
Revises: 

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import controller.db.types


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('agent_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_group')),
    sa.UniqueConstraint('name', name=op.f('uq_agent_group_name'))
    )
    op.create_table('agent_state_interval',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=False),
    sa.Column('agent_code', sa.String(length=16), nullable=False),
    sa.Column('queue_name', sa.String(length=64), nullable=False),
    sa.Column('state', sa.Enum('ready', 'ringing', 'on_call', 'acw', 'paused', name='agent_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('reason_code', sa.String(length=32), nullable=True),
    sa.Column('started_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('ended_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('source_event', sa.String(length=32), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_state_interval')),
    sa.UniqueConstraint('server_id', 'agent_code', 'queue_name', 'state', 'started_at', name=op.f('uq_agent_state_interval_server_id'))
    )
    with op.batch_alter_table('agent_state_interval', schema=None) as batch_op:
        batch_op.create_index('ix_asi_agent_start', ['agent_code', 'started_at'], unique=False)
        batch_op.create_index('ix_asi_local_date', ['local_date'], unique=False)

    op.create_table('call',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=False),
    sa.Column('linkedid', sa.String(length=64), nullable=False),
    sa.Column('direction', sa.Enum('inbound', 'outbound', 'internal', name='call_direction', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('caller_number', sa.String(length=64), nullable=False),
    sa.Column('caller_e164', sa.String(length=32), nullable=True),
    sa.Column('caller_name', sa.String(length=128), nullable=False),
    sa.Column('called_number', sa.String(length=64), nullable=False),
    sa.Column('did', sa.String(length=32), nullable=True),
    sa.Column('region', sa.String(length=128), nullable=True),
    sa.Column('ivr_path', sa.String(length=255), nullable=False),
    sa.Column('customer_code', sa.String(length=64), nullable=True),
    sa.Column('vip', sa.Boolean(), nullable=False),
    sa.Column('started_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('answered_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('ended_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('local_hour', sa.SmallInteger(), nullable=False),
    sa.Column('outcome', sa.Enum('answered', 'abandoned', 'callback', 'voicemail', 'transferred', 'unanswered', 'busy', 'failed', 'rejected', name='call_outcome', native_enum=False, create_constraint=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call')),
    sa.UniqueConstraint('server_id', 'linkedid', name=op.f('uq_call_server_id'))
    )
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.create_index('ix_call_caller', ['caller_e164', 'started_at'], unique=False)
        batch_op.create_index('ix_call_customer', ['customer_code', 'started_at'], unique=False)
        batch_op.create_index('ix_call_local', ['local_date', 'local_hour'], unique=False)
        batch_op.create_index('ix_call_started', ['started_at'], unique=False)

    op.create_table('holiday_calendar',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_holiday_calendar')),
    sa.UniqueConstraint('name', name=op.f('uq_holiday_calendar_name'))
    )
    op.create_table('moh_class',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('directory', sa.String(length=255), nullable=False),
    sa.Column('sort', sa.Enum('random', 'alpha', name='moh_sort', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moh_class')),
    sa.UniqueConstraint('name', name=op.f('uq_moh_class_name'))
    )
    op.create_table('pause_reason',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=128), nullable=False),
    sa.Column('productive', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pause_reason')),
    sa.UniqueConstraint('code', name=op.f('uq_pause_reason_code'))
    )
    op.create_table('queue_config_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('queue_name', sa.String(length=64), nullable=False),
    sa.Column('service_level_seconds', sa.Integer(), nullable=False),
    sa.Column('short_abandon_seconds', sa.Integer(), nullable=False),
    sa.Column('valid_from', controller.db.types.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_config_version')),
    sa.UniqueConstraint('queue_name', 'valid_from', name=op.f('uq_queue_config_version_queue_name'))
    )
    op.create_table('raw_ami_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=False),
    sa.Column('received_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('event', sa.String(length=64), nullable=False),
    sa.Column('linkedid', sa.String(length=64), nullable=True),
    sa.Column('uniqueid', sa.String(length=64), nullable=True),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_raw_ami_event'))
    )
    with op.batch_alter_table('raw_ami_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_raw_ami_event_linkedid'), ['linkedid'], unique=False)
        batch_op.create_index('ix_raw_ami_event_time', ['server_id', 'received_at'], unique=False)

    op.create_table('raw_queue_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=False),
    sa.Column('time', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('callid', sa.String(length=64), nullable=False),
    sa.Column('queue', sa.String(length=64), nullable=False),
    sa.Column('agent', sa.String(length=128), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_raw_queue_log'))
    )
    with op.batch_alter_table('raw_queue_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_raw_queue_log_callid'), ['callid'], unique=False)
        batch_op.create_index('ix_raw_queue_log_time', ['server_id', 'time'], unique=False)

    op.create_table('recording_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('record', sa.Enum('all', 'inbound', 'outbound', 'queue', 'none', name='record_what', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('notice_prompts', sa.JSON(), nullable=False),
    sa.Column('retention_days', sa.Integer(), nullable=True),
    sa.Column('format', sa.Enum('wav', 'wav49', 'gsm', name='recording_format', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recording_policy')),
    sa.UniqueConstraint('name', name=op.f('uq_recording_policy_name'))
    )
    op.create_table('skill',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill')),
    sa.UniqueConstraint('name', name=op.f('uq_skill_name'))
    )
    op.create_table('time_condition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_condition')),
    sa.UniqueConstraint('name', name=op.f('uq_time_condition_name'))
    )
    op.create_table('trunk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('auth', sa.Enum('register', 'credentials', 'ip', name='trunk_auth', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('transport', sa.Enum('udp', 'tcp', 'tls', name='trunk_transport', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('username', sa.String(length=128), nullable=True),
    sa.Column('password', sa.String(length=128), nullable=True),
    sa.Column('from_user', sa.String(length=128), nullable=True),
    sa.Column('from_domain', sa.String(length=255), nullable=True),
    sa.Column('caller_id', sa.String(length=32), nullable=True),
    sa.Column('max_channels', sa.Integer(), nullable=True),
    sa.Column('codecs', sa.JSON(), nullable=False),
    sa.Column('match_addresses', sa.JSON(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trunk')),
    sa.UniqueConstraint('name', name=op.f('uq_trunk_name'))
    )
    op.create_table('call_channel',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('call_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=False),
    sa.Column('uniqueid', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=128), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('caller_number', sa.String(length=64), nullable=False),
    sa.Column('caller_name', sa.String(length=128), nullable=False),
    sa.Column('connected_number', sa.String(length=64), nullable=False),
    sa.Column('context', sa.String(length=80), nullable=False),
    sa.Column('exten', sa.String(length=80), nullable=False),
    sa.Column('agent_code', sa.String(length=16), nullable=True),
    sa.Column('created_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('answered_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('ended_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('hangup_cause', sa.SmallInteger(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_call_channel_call_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_channel')),
    sa.UniqueConstraint('server_id', 'uniqueid', name=op.f('uq_call_channel_server_id'))
    )
    with op.batch_alter_table('call_channel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_channel_call_id'), ['call_id'], unique=False)

    op.create_table('callback_request',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=False),
    sa.Column('queue_name', sa.String(length=64), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('state', sa.Enum('pending', 'dialing', 'done', 'expired', 'canceled', 'failed', name='callback_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('origin_call_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('origin_linkedid', sa.String(length=64), nullable=True),
    sa.Column('position', sa.SmallInteger(), nullable=True),
    sa.Column('priority', sa.SmallInteger(), nullable=False),
    sa.Column('placeholder_channel_id', sa.String(length=64), nullable=True),
    sa.Column('requested_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('expires_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('completed_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('attempts', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['origin_call_id'], ['call.id'], name=op.f('fk_callback_request_origin_call_id'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_request')),
    sa.UniqueConstraint('placeholder_channel_id', name=op.f('uq_callback_request_placeholder_channel_id'))
    )
    with op.batch_alter_table('callback_request', schema=None) as batch_op:
        batch_op.create_index('ix_callback_active', ['queue_name', 'number', 'state'], unique=False)

    op.create_table('extension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('ring_seconds', sa.Integer(), nullable=False),
    sa.Column('outbound_caller_id', sa.String(length=32), nullable=True),
    sa.Column('voicemail_enabled', sa.Boolean(), nullable=False),
    sa.Column('voicemail_pin', sa.String(length=16), nullable=True),
    sa.Column('voicemail_pin_generated', sa.Boolean(), nullable=False),
    sa.Column('voicemail_email', sa.String(length=255), nullable=True),
    sa.Column('recording_policy_id', sa.Integer(), nullable=True),
    sa.Column('moh_class_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['moh_class_id'], ['moh_class.id'], name=op.f('fk_extension_moh_class_id'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recording_policy_id'], ['recording_policy.id'], name=op.f('fk_extension_recording_policy_id'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extension')),
    sa.UniqueConstraint('number', name=op.f('uq_extension_number'))
    )
    op.create_table('holiday',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('holiday', 'workday', name='holiday_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['holiday_calendar.id'], name=op.f('fk_holiday_calendar_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_holiday'))
    )
    with op.batch_alter_table('holiday', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_holiday_calendar_id'), ['calendar_id'], unique=False)

    op.create_table('inbound_route',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('did', sa.String(length=32), nullable=False),
    sa.Column('caller_prefix', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('moh_class_id', sa.Integer(), nullable=True),
    sa.Column('recording_policy_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['moh_class_id'], ['moh_class.id'], name=op.f('fk_inbound_route_moh_class_id')),
    sa.ForeignKeyConstraint(['recording_policy_id'], ['recording_policy.id'], name=op.f('fk_inbound_route_recording_policy_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_route')),
    sa.UniqueConstraint('did', 'caller_prefix', name=op.f('uq_inbound_route_did')),
    sa.UniqueConstraint('name', name=op.f('uq_inbound_route_name'))
    )
    op.create_table('outbound_route',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('caller_id_policy', sa.Enum('extension', 'trunk', 'fixed', 'hidden', name='caller_id_policy', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('caller_id_number', sa.String(length=32), nullable=True),
    sa.Column('recording_policy_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['recording_policy_id'], ['recording_policy.id'], name=op.f('fk_outbound_route_recording_policy_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_route')),
    sa.UniqueConstraint('name', name=op.f('uq_outbound_route_name'))
    )
    op.create_table('queue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=128), nullable=False),
    sa.Column('strategy', sa.Enum('ringall', 'leastrecent', 'fewestcalls', 'random', 'rrmemory', 'rrordered', 'linear', 'wrandom', name='queue_strategy', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('ring_seconds', sa.Integer(), nullable=False),
    sa.Column('retry_seconds', sa.Integer(), nullable=False),
    sa.Column('wrapup_seconds', sa.Integer(), nullable=False),
    sa.Column('max_callers', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('vip_priority', sa.Integer(), nullable=False),
    sa.Column('announce_position', sa.Enum('yes', 'no', 'more', 'limit', name='announce_position', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('announce_holdtime', sa.Enum('yes', 'no', 'once', name='announce_holdtime', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('announce_frequency_seconds', sa.Integer(), nullable=False),
    sa.Column('periodic_announce', sa.String(length=255), nullable=True),
    sa.Column('periodic_announce_seconds', sa.Integer(), nullable=False),
    sa.Column('service_level_seconds', sa.Integer(), nullable=False),
    sa.Column('short_abandon_seconds', sa.Integer(), nullable=False),
    sa.Column('max_wait_seconds', sa.Integer(), nullable=False),
    sa.Column('join_empty', sa.Boolean(), nullable=False),
    sa.Column('leave_when_empty', sa.Boolean(), nullable=False),
    sa.Column('ring_in_use', sa.Boolean(), nullable=False),
    sa.Column('login_required', sa.Boolean(), nullable=False),
    sa.Column('moh_class_id', sa.Integer(), nullable=True),
    sa.Column('recording_policy_id', sa.Integer(), nullable=True),
    sa.Column('callback_enabled', sa.Boolean(), nullable=False),
    sa.Column('callback_key', sa.String(length=1), nullable=True),
    sa.Column('callback_offer_after_seconds', sa.Integer(), nullable=True),
    sa.Column('callback_expiry_minutes', sa.Integer(), nullable=True),
    sa.Column('callback_max_attempts', sa.Integer(), nullable=True),
    sa.Column('callback_retry_seconds', sa.Integer(), nullable=True),
    sa.Column('callback_hours_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['callback_hours_id'], ['time_condition.id'], name=op.f('fk_queue_callback_hours_id')),
    sa.ForeignKeyConstraint(['moh_class_id'], ['moh_class.id'], name=op.f('fk_queue_moh_class_id')),
    sa.ForeignKeyConstraint(['recording_policy_id'], ['recording_policy.id'], name=op.f('fk_queue_recording_policy_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue')),
    sa.UniqueConstraint('name', name=op.f('uq_queue_name'))
    )
    op.create_table('site',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('default_language', sa.String(length=16), nullable=False),
    sa.Column('default_moh_class_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_site_single_row')),
    sa.ForeignKeyConstraint(['default_moh_class_id'], ['moh_class.id'], name=op.f('fk_site_default_moh_class_id'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site'))
    )
    op.create_table('time_condition_calendar',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('time_condition_id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['holiday_calendar.id'], name=op.f('fk_time_condition_calendar_calendar_id')),
    sa.ForeignKeyConstraint(['time_condition_id'], ['time_condition.id'], name=op.f('fk_time_condition_calendar_time_condition_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_condition_calendar')),
    sa.UniqueConstraint('time_condition_id', 'calendar_id', name=op.f('uq_time_condition_calendar_time_condition_id'))
    )
    with op.batch_alter_table('time_condition_calendar', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_time_condition_calendar_calendar_id'), ['calendar_id'], unique=False)

    op.create_table('time_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('time_condition_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('weekdays', sa.JSON(), nullable=False),
    sa.Column('start', sa.Time(), nullable=False),
    sa.Column('end', sa.Time(), nullable=False),
    sa.ForeignKeyConstraint(['time_condition_id'], ['time_condition.id'], name=op.f('fk_time_rule_time_condition_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_rule'))
    )
    with op.batch_alter_table('time_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_time_rule_time_condition_id'), ['time_condition_id'], unique=False)

    op.create_table('trunk_tariff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trunk_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('prefix', sa.String(length=32), nullable=False),
    sa.Column('per_minute', controller.db.types.Money(precision=12, scale=4), nullable=False),
    sa.Column('increment_seconds', sa.Integer(), nullable=False),
    sa.Column('connection_fee', controller.db.types.Money(precision=12, scale=4), nullable=False),
    sa.Column('description', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['trunk_id'], ['trunk.id'], name=op.f('fk_trunk_tariff_trunk_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trunk_tariff')),
    sa.UniqueConstraint('trunk_id', 'prefix', name=op.f('uq_trunk_tariff_trunk_id'))
    )
    op.create_table('agent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('role', sa.Enum('inbound', 'outbound', 'blended', name='agent_role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('extension_id', sa.Integer(), nullable=True),
    sa.Column('pin', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['extension_id'], ['extension.id'], name=op.f('fk_agent_extension_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent')),
    sa.UniqueConstraint('code', name=op.f('uq_agent_code'))
    )
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_extension_id'), ['extension_id'], unique=False)

    op.create_table('callback_attempt',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('request_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('started_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('ended_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('agent_code', sa.String(length=16), nullable=True),
    sa.Column('call_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('result', sa.Enum('answered', 'busy', 'no_answer', 'failed', 'agent_hangup', name='callback_result', native_enum=False, create_constraint=True), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_callback_attempt_call_id'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['callback_request.id'], name=op.f('fk_callback_attempt_request_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_attempt'))
    )
    with op.batch_alter_table('callback_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_attempt_request_id'), ['request_id'], unique=False)

    op.create_table('inbound_region_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('regions', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['route_id'], ['inbound_route.id'], name=op.f('fk_inbound_region_rule_route_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_region_rule'))
    )
    with op.batch_alter_table('inbound_region_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_region_rule_route_id'), ['route_id'], unique=False)

    op.create_table('ivr_menu',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('prompts', sa.JSON(), nullable=False),
    sa.Column('invalid_prompts', sa.JSON(), nullable=False),
    sa.Column('timeout_seconds', sa.Integer(), nullable=False),
    sa.Column('max_retries', sa.Integer(), nullable=False),
    sa.Column('direct_dial', sa.Boolean(), nullable=False),
    sa.Column('zero_out_extension_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['zero_out_extension_id'], ['extension.id'], name=op.f('fk_ivr_menu_zero_out_extension_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ivr_menu')),
    sa.UniqueConstraint('name', name=op.f('uq_ivr_menu_name'))
    )
    op.create_table('outbound_pattern',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('match', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('prepend', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['route_id'], ['outbound_route.id'], name=op.f('fk_outbound_pattern_route_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_pattern'))
    )
    with op.batch_alter_table('outbound_pattern', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbound_pattern_route_id'), ['route_id'], unique=False)

    op.create_table('outbound_route_trunk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('trunk_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['route_id'], ['outbound_route.id'], name=op.f('fk_outbound_route_trunk_route_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trunk_id'], ['trunk.id'], name=op.f('fk_outbound_route_trunk_trunk_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_route_trunk')),
    sa.UniqueConstraint('route_id', 'trunk_id', name=op.f('uq_outbound_route_trunk_route_id'))
    )
    with op.batch_alter_table('outbound_route_trunk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbound_route_trunk_trunk_id'), ['trunk_id'], unique=False)

    op.create_table('phone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('extension_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password', sa.String(length=128), nullable=False),
    sa.Column('password_generated', sa.Boolean(), nullable=False),
    sa.Column('transport', sa.Enum('udp', 'tcp', 'tls', name='phone_transport', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('max_contacts', sa.Integer(), nullable=False),
    sa.Column('codecs', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['extension_id'], ['extension.id'], name=op.f('fk_phone_extension_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone')),
    sa.UniqueConstraint('extension_id', name=op.f('uq_phone_extension_id')),
    sa.UniqueConstraint('username', name=op.f('uq_phone_username'))
    )
    op.create_table('queue_leg',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('call_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('queue_name', sa.String(length=64), nullable=False),
    sa.Column('queue_config_version_id', sa.Integer(), nullable=True),
    sa.Column('entry_channel_uid', sa.String(length=64), nullable=False),
    sa.Column('entered_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('connected_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('ended_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('wait_ms', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('answered', 'abandoned', 'timeout', 'exit_key', 'exit_empty', 'withdrawn', 'refused_full', 'refused_empty', 'refused_unavailable', name='leg_outcome', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('exit_key', sa.String(length=1), nullable=True),
    sa.Column('orig_position', sa.SmallInteger(), nullable=True),
    sa.Column('exit_position', sa.SmallInteger(), nullable=True),
    sa.Column('priority', sa.SmallInteger(), nullable=False),
    sa.Column('answered_by_agent', sa.String(length=16), nullable=True),
    sa.Column('member_channel_uid', sa.String(length=64), nullable=True),
    sa.Column('ring_ms', sa.Integer(), nullable=True),
    sa.Column('completed_by', sa.Enum('caller', 'agent', 'transfer', name='completed_by', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('prev_leg_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('callback_request_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('local_hour', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_queue_leg_call_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['callback_request_id'], ['callback_request.id'], name=op.f('fk_queue_leg_callback_request_id')),
    sa.ForeignKeyConstraint(['prev_leg_id'], ['queue_leg.id'], name=op.f('fk_queue_leg_prev_leg_id')),
    sa.ForeignKeyConstraint(['queue_config_version_id'], ['queue_config_version.id'], name=op.f('fk_queue_leg_queue_config_version_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_leg'))
    )
    with op.batch_alter_table('queue_leg', schema=None) as batch_op:
        batch_op.create_index('ix_queue_leg_agent', ['answered_by_agent', 'local_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_leg_call_id'), ['call_id'], unique=False)
        batch_op.create_index('ix_queue_leg_day_hour', ['local_date', 'local_hour'], unique=False)
        batch_op.create_index('ix_queue_leg_entered', ['entered_at'], unique=False)
        batch_op.create_index('ix_queue_leg_entry_uid', ['entry_channel_uid'], unique=False)
        batch_op.create_index('ix_queue_leg_q_day_hour', ['queue_name', 'local_date', 'local_hour'], unique=False)

    op.create_table('queue_skill',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('min_level', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['queue_id'], ['queue.id'], name=op.f('fk_queue_skill_queue_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_queue_skill_skill_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_skill')),
    sa.UniqueConstraint('queue_id', 'skill_id', name=op.f('uq_queue_skill_queue_id'))
    )
    with op.batch_alter_table('queue_skill', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_skill_skill_id'), ['skill_id'], unique=False)

    op.create_table('agent_attempt',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('leg_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('agent_code', sa.String(length=16), nullable=False),
    sa.Column('member_interface', sa.String(length=128), nullable=False),
    sa.Column('rang_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('ended_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('ring_ms', sa.Integer(), nullable=True),
    sa.Column('result', sa.Enum('answered', 'no_answer', 'canceled', 'busy', 'dump', name='attempt_result', native_enum=False, create_constraint=True), nullable=True),
    sa.ForeignKeyConstraint(['leg_id'], ['queue_leg.id'], name=op.f('fk_agent_attempt_leg_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_attempt'))
    )
    with op.batch_alter_table('agent_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_attempt_leg_id'), ['leg_id'], unique=False)

    op.create_table('agent_group_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_team_lead', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_agent_group_member_agent_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['agent_group.id'], name=op.f('fk_agent_group_member_group_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_group_member')),
    sa.UniqueConstraint('group_id', 'agent_id', name=op.f('uq_agent_group_member_group_id'))
    )
    with op.batch_alter_table('agent_group_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_group_member_agent_id'), ['agent_id'], unique=False)

    op.create_table('agent_skill',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 10', name=op.f('ck_agent_skill_level_range')),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_agent_skill_agent_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_agent_skill_skill_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_skill')),
    sa.UniqueConstraint('agent_id', 'skill_id', name=op.f('uq_agent_skill_agent_id'))
    )
    with op.batch_alter_table('agent_skill', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_skill_skill_id'), ['skill_id'], unique=False)

    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('company', sa.String(length=128), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('owner_agent_id', sa.Integer(), nullable=True),
    sa.Column('vip', sa.Boolean(), nullable=False),
    sa.Column('blacklisted', sa.Boolean(), nullable=False),
    sa.Column('blacklist_reason', sa.String(length=255), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['owner_agent_id'], ['agent.id'], name=op.f('fk_customer_owner_agent_id'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer')),
    sa.UniqueConstraint('code', name=op.f('uq_customer_code'))
    )
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_owner_agent_id'), ['owner_agent_id'], unique=False)

    op.create_table('handling',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('call_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('leg_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('agent_code', sa.String(length=16), nullable=False),
    sa.Column('channel_uid', sa.String(length=64), nullable=False),
    sa.Column('talk_start', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('talk_end', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('hold_ms', sa.Integer(), nullable=False),
    sa.Column('acw_start', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('acw_end', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('disposition_code', sa.String(length=32), nullable=True),
    sa.Column('ended_by', sa.String(length=16), nullable=True),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_handling_call_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['leg_id'], ['queue_leg.id'], name=op.f('fk_handling_leg_id'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handling'))
    )
    with op.batch_alter_table('handling', schema=None) as batch_op:
        batch_op.create_index('ix_handling_agent_day', ['agent_code', 'local_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_handling_call_id'), ['call_id'], unique=False)

    op.create_table('ivr_option',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('menu_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=1), nullable=False),
    sa.Column('set_language', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['menu_id'], ['ivr_menu.id'], name=op.f('fk_ivr_option_menu_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ivr_option')),
    sa.UniqueConstraint('menu_id', 'key', name=op.f('uq_ivr_option_menu_id'))
    )
    op.create_table('queue_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('penalty', sa.Integer(), nullable=False),
    sa.CheckConstraint('penalty >= 0', name=op.f('ck_queue_member_penalty_not_negative')),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_queue_member_agent_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['queue_id'], ['queue.id'], name=op.f('fk_queue_member_queue_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_member')),
    sa.UniqueConstraint('queue_id', 'agent_id', name=op.f('uq_queue_member_queue_id'))
    )
    with op.batch_alter_table('queue_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_member_agent_id'), ['agent_id'], unique=False)

    op.create_table('customer_number',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_number_customer_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_number')),
    sa.UniqueConstraint('number', name=op.f('uq_customer_number_number'))
    )
    with op.batch_alter_table('customer_number', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_number_customer_id'), ['customer_id'], unique=False)

    op.create_table('destination',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.Enum('extension', 'voicemail', 'queue', 'ivr', 'time_condition', 'external', 'hangup', name='destination_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('owner_inbound_route_id', sa.Integer(), nullable=True),
    sa.Column('owner_region_rule_id', sa.Integer(), nullable=True),
    sa.Column('owner_ivr_menu_id', sa.Integer(), nullable=True),
    sa.Column('owner_ivr_option_id', sa.Integer(), nullable=True),
    sa.Column('owner_time_condition_id', sa.Integer(), nullable=True),
    sa.Column('owner_queue_id', sa.Integer(), nullable=True),
    sa.Column('target_extension_id', sa.Integer(), nullable=True),
    sa.Column('target_queue_id', sa.Integer(), nullable=True),
    sa.Column('target_ivr_menu_id', sa.Integer(), nullable=True),
    sa.Column('target_time_condition_id', sa.Integer(), nullable=True),
    sa.Column('target_number', sa.String(length=32), nullable=True),
    sa.CheckConstraint("(kind IN ('extension', 'voicemail') AND target_extension_id IS NOT NULL AND target_ivr_menu_id IS NULL AND target_number IS NULL AND target_queue_id IS NULL AND target_time_condition_id IS NULL) OR (kind IN ('queue') AND target_extension_id IS NULL AND target_ivr_menu_id IS NULL AND target_number IS NULL AND target_queue_id IS NOT NULL AND target_time_condition_id IS NULL) OR (kind IN ('ivr') AND target_extension_id IS NULL AND target_ivr_menu_id IS NOT NULL AND target_number IS NULL AND target_queue_id IS NULL AND target_time_condition_id IS NULL) OR (kind IN ('time_condition') AND target_extension_id IS NULL AND target_ivr_menu_id IS NULL AND target_number IS NULL AND target_queue_id IS NULL AND target_time_condition_id IS NOT NULL) OR (kind IN ('external') AND target_extension_id IS NULL AND target_ivr_menu_id IS NULL AND target_number IS NOT NULL AND target_queue_id IS NULL AND target_time_condition_id IS NULL) OR (kind IN ('hangup') AND target_extension_id IS NULL AND target_ivr_menu_id IS NULL AND target_number IS NULL AND target_queue_id IS NULL AND target_time_condition_id IS NULL)", name=op.f('ck_destination_target_matches_kind')),
    sa.CheckConstraint('(CASE WHEN owner_inbound_route_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN owner_region_rule_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN owner_ivr_menu_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN owner_ivr_option_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN owner_time_condition_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN owner_queue_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_destination_one_owner')),
    sa.ForeignKeyConstraint(['owner_inbound_route_id'], ['inbound_route.id'], name=op.f('fk_destination_owner_inbound_route_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_ivr_menu_id'], ['ivr_menu.id'], name=op.f('fk_destination_owner_ivr_menu_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_ivr_option_id'], ['ivr_option.id'], name=op.f('fk_destination_owner_ivr_option_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_queue_id'], ['queue.id'], name=op.f('fk_destination_owner_queue_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_region_rule_id'], ['inbound_region_rule.id'], name=op.f('fk_destination_owner_region_rule_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_time_condition_id'], ['time_condition.id'], name=op.f('fk_destination_owner_time_condition_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_extension_id'], ['extension.id'], name=op.f('fk_destination_target_extension_id')),
    sa.ForeignKeyConstraint(['target_ivr_menu_id'], ['ivr_menu.id'], name=op.f('fk_destination_target_ivr_menu_id')),
    sa.ForeignKeyConstraint(['target_queue_id'], ['queue.id'], name=op.f('fk_destination_target_queue_id')),
    sa.ForeignKeyConstraint(['target_time_condition_id'], ['time_condition.id'], name=op.f('fk_destination_target_time_condition_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_destination')),
    sa.UniqueConstraint('owner_inbound_route_id', 'slot', name=op.f('uq_destination_owner_inbound_route_id')),
    sa.UniqueConstraint('owner_ivr_menu_id', 'slot', name=op.f('uq_destination_owner_ivr_menu_id')),
    sa.UniqueConstraint('owner_ivr_option_id', 'slot', name=op.f('uq_destination_owner_ivr_option_id')),
    sa.UniqueConstraint('owner_queue_id', 'slot', name=op.f('uq_destination_owner_queue_id')),
    sa.UniqueConstraint('owner_region_rule_id', 'slot', name=op.f('uq_destination_owner_region_rule_id')),
    sa.UniqueConstraint('owner_time_condition_id', 'slot', name=op.f('uq_destination_owner_time_condition_id'))
    )
    with op.batch_alter_table('destination', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_destination_owner_inbound_route_id'), ['owner_inbound_route_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_destination_owner_ivr_menu_id'), ['owner_ivr_menu_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_destination_owner_ivr_option_id'), ['owner_ivr_option_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_destination_owner_queue_id'), ['owner_queue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_destination_owner_region_rule_id'), ['owner_region_rule_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_destination_owner_time_condition_id'), ['owner_time_condition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_destination_target_extension_id'), ['target_extension_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_destination_target_ivr_menu_id'), ['target_ivr_menu_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_destination_target_queue_id'), ['target_queue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_destination_target_time_condition_id'), ['target_time_condition_id'], unique=False)

    op.create_table('hold_interval',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('handling_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('started_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('ended_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['handling_id'], ['handling.id'], name=op.f('fk_hold_interval_handling_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hold_interval'))
    )
    with op.batch_alter_table('hold_interval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hold_interval_handling_id'), ['handling_id'], unique=False)

    op.create_table('recording',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=False),
    sa.Column('call_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('handling_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('channel_uid', sa.String(length=64), nullable=False),
    sa.Column('agent_code', sa.String(length=16), nullable=True),
    sa.Column('path', sa.String(length=512), nullable=False),
    sa.Column('started_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('ended_at', controller.db.types.UtcDateTime(), nullable=True),
    sa.Column('bytes', sa.BigInteger(), nullable=True),
    sa.Column('delete_after', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_recording_call_id'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['handling_id'], ['handling.id'], name=op.f('fk_recording_handling_id'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recording')),
    sa.UniqueConstraint('server_id', 'path', name=op.f('uq_recording_server_id'))
    )
    with op.batch_alter_table('recording', schema=None) as batch_op:
        batch_op.create_index('ix_recording_agent', ['agent_code', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_recording_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recording_channel_uid'), ['channel_uid'], unique=False)
        batch_op.create_index('ix_recording_started', ['started_at'], unique=False)

    op.create_table('survey_response',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('call_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('handling_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('agent_code', sa.String(length=16), nullable=True),
    sa.Column('question', sa.String(length=64), nullable=False),
    sa.Column('score', sa.SmallInteger(), nullable=False),
    sa.Column('scale_max', sa.SmallInteger(), nullable=False),
    sa.Column('answered_at', controller.db.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_survey_response_call_id'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['handling_id'], ['handling.id'], name=op.f('fk_survey_response_handling_id'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response'))
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_response_agent_code'), ['agent_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_response_call_id'), ['call_id'], unique=False)

    op.create_table('transfer',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('call_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', controller.db.types.UtcDateTime(), nullable=False),
    sa.Column('kind', sa.Enum('blind', 'attended', name='transfer_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('from_handling_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('to_leg_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('to_context', sa.String(length=80), nullable=False),
    sa.Column('to_exten', sa.String(length=80), nullable=False),
    sa.Column('target_channel_uid', sa.String(length=64), nullable=True),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_transfer_call_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_handling_id'], ['handling.id'], name=op.f('fk_transfer_from_handling_id'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['to_leg_id'], ['queue_leg.id'], name=op.f('fk_transfer_to_leg_id'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer'))
    )
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_call_id'), ['call_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transfer_call_id'))

    op.drop_table('transfer')
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_response_call_id'))
        batch_op.drop_index(batch_op.f('ix_survey_response_agent_code'))

    op.drop_table('survey_response')
    with op.batch_alter_table('recording', schema=None) as batch_op:
        batch_op.drop_index('ix_recording_started')
        batch_op.drop_index(batch_op.f('ix_recording_channel_uid'))
        batch_op.drop_index(batch_op.f('ix_recording_call_id'))
        batch_op.drop_index('ix_recording_agent')

    op.drop_table('recording')
    with op.batch_alter_table('hold_interval', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hold_interval_handling_id'))

    op.drop_table('hold_interval')
    with op.batch_alter_table('destination', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_destination_target_time_condition_id'))
        batch_op.drop_index(batch_op.f('ix_destination_target_queue_id'))
        batch_op.drop_index(batch_op.f('ix_destination_target_ivr_menu_id'))
        batch_op.drop_index(batch_op.f('ix_destination_target_extension_id'))
        batch_op.drop_index(batch_op.f('ix_destination_owner_time_condition_id'))
        batch_op.drop_index(batch_op.f('ix_destination_owner_region_rule_id'))
        batch_op.drop_index(batch_op.f('ix_destination_owner_queue_id'))
        batch_op.drop_index(batch_op.f('ix_destination_owner_ivr_option_id'))
        batch_op.drop_index(batch_op.f('ix_destination_owner_ivr_menu_id'))
        batch_op.drop_index(batch_op.f('ix_destination_owner_inbound_route_id'))

    op.drop_table('destination')
    with op.batch_alter_table('customer_number', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_number_customer_id'))

    op.drop_table('customer_number')
    with op.batch_alter_table('queue_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_member_agent_id'))

    op.drop_table('queue_member')
    op.drop_table('ivr_option')
    with op.batch_alter_table('handling', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handling_call_id'))
        batch_op.drop_index('ix_handling_agent_day')

    op.drop_table('handling')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_owner_agent_id'))

    op.drop_table('customer')
    with op.batch_alter_table('agent_skill', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_skill_skill_id'))

    op.drop_table('agent_skill')
    with op.batch_alter_table('agent_group_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_group_member_agent_id'))

    op.drop_table('agent_group_member')
    with op.batch_alter_table('agent_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_attempt_leg_id'))

    op.drop_table('agent_attempt')
    with op.batch_alter_table('queue_skill', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_skill_skill_id'))

    op.drop_table('queue_skill')
    with op.batch_alter_table('queue_leg', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_leg_q_day_hour')
        batch_op.drop_index('ix_queue_leg_entry_uid')
        batch_op.drop_index('ix_queue_leg_entered')
        batch_op.drop_index('ix_queue_leg_day_hour')
        batch_op.drop_index(batch_op.f('ix_queue_leg_call_id'))
        batch_op.drop_index('ix_queue_leg_agent')

    op.drop_table('queue_leg')
    op.drop_table('phone')
    with op.batch_alter_table('outbound_route_trunk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_route_trunk_trunk_id'))

    op.drop_table('outbound_route_trunk')
    with op.batch_alter_table('outbound_pattern', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_pattern_route_id'))

    op.drop_table('outbound_pattern')
    op.drop_table('ivr_menu')
    with op.batch_alter_table('inbound_region_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_region_rule_route_id'))

    op.drop_table('inbound_region_rule')
    with op.batch_alter_table('callback_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_attempt_request_id'))

    op.drop_table('callback_attempt')
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_extension_id'))

    op.drop_table('agent')
    op.drop_table('trunk_tariff')
    with op.batch_alter_table('time_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_time_rule_time_condition_id'))

    op.drop_table('time_rule')
    with op.batch_alter_table('time_condition_calendar', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_time_condition_calendar_calendar_id'))

    op.drop_table('time_condition_calendar')
    op.drop_table('site')
    op.drop_table('queue')
    op.drop_table('outbound_route')
    op.drop_table('inbound_route')
    with op.batch_alter_table('holiday', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_holiday_calendar_id'))

    op.drop_table('holiday')
    op.drop_table('extension')
    with op.batch_alter_table('callback_request', schema=None) as batch_op:
        batch_op.drop_index('ix_callback_active')

    op.drop_table('callback_request')
    with op.batch_alter_table('call_channel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_channel_call_id'))

    op.drop_table('call_channel')
    op.drop_table('trunk')
    op.drop_table('time_condition')
    op.drop_table('skill')
    op.drop_table('recording_policy')
    with op.batch_alter_table('raw_queue_log', schema=None) as batch_op:
        batch_op.drop_index('ix_raw_queue_log_time')
        batch_op.drop_index(batch_op.f('ix_raw_queue_log_callid'))

    op.drop_table('raw_queue_log')
    with op.batch_alter_table('raw_ami_event', schema=None) as batch_op:
        batch_op.drop_index('ix_raw_ami_event_time')
        batch_op.drop_index(batch_op.f('ix_raw_ami_event_linkedid'))

    op.drop_table('raw_ami_event')
    op.drop_table('queue_config_version')
    op.drop_table('pause_reason')
    op.drop_table('moh_class')
    op.drop_table('holiday_calendar')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index('ix_call_started')
        batch_op.drop_index('ix_call_local')
        batch_op.drop_index('ix_call_customer')
        batch_op.drop_index('ix_call_caller')

    op.drop_table('call')
    with op.batch_alter_table('agent_state_interval', schema=None) as batch_op:
        batch_op.drop_index('ix_asi_local_date')
        batch_op.drop_index('ix_asi_agent_start')

    op.drop_table('agent_state_interval')
    op.drop_table('agent_group')
