"""Plain data for the templates: one object per generated file, every string already escaped.

Built by :mod:`controller.dialplan.build` from a configuration snapshot; no database, no
Jinja. Each :class:`Safe` field is checked for the place the template writes it to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from controller.dialplan.escape import Safe
from controller.dialplan.locations import Location


@dataclass(frozen=True, slots=True)
class Options:
    """Installation facts the configuration does not hold (from the controller's settings)."""

    agi_url: str = "agi://127.0.0.1:4573"
    classic_agi: str = "pbx-agi.py"  # the classic AGI script in Asterisk's agi-bin
    sip_bind: str = "0.0.0.0:5060"
    shard_size: int = 200  # extensions per dialplan context (lookups grow with its square)


# -- shared pieces ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Localized:
    """A prompt per language, with the one used when the caller's language has none."""

    default: Safe
    by_language: tuple[tuple[Safe, Safe], ...]  # (language, prompt) other than the default


# -- extensions.conf ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboundMatch:
    did: Safe  # literal extension
    caller_pattern: Safe | None  # "_86138!" or None
    route: Safe


@dataclass(frozen=True, slots=True)
class InboundRoute:
    name: Safe
    did: Safe
    language: Safe | None
    moh_class: Safe | None
    recording: Safe | None  # recording subroutine context
    destination: Location


@dataclass(frozen=True, slots=True)
class Globals:
    agi_url: Safe
    classic_agi: Safe
    default_language: Safe
    timezone: Safe


@dataclass(frozen=True, slots=True)
class AgentView:
    code: Safe
    default_device: Safe | None  # PJSIP/<ext> of the agent's usual phone
    extension: Safe | None
    queues: tuple[tuple[Safe, int], ...]  # (queue, penalty) the agent logs into


@dataclass(frozen=True, slots=True)
class RecordingPolicyView:
    context: Safe
    record: Safe  # all, inbound, outbound, queue, none
    notice: Localized | None
    extension: Safe  # file extension: wav, WAV, gsm


@dataclass(frozen=True, slots=True)
class MainDialplan:
    globals: Globals
    inbound_matches: tuple[InboundMatch, ...]
    inbound_routes: tuple[InboundRoute, ...]
    agents: tuple[AgentView, ...]
    recording_policies: tuple[RecordingPolicyView, ...]
    # The variables [pbx-mark] writes into Asterisk's CEL (controller.recovery.cel).
    marked_variables: tuple[Safe, ...]


# -- extensions_routes.conf (time conditions, calendars) ----------------------------------


@dataclass(frozen=True, slots=True)
class TimeRange:
    times: Safe  # "09:00-17:59"
    weekdays: Safe  # "mon&tue&wed"


@dataclass(frozen=True, slots=True)
class TimeConditionView:
    name: Safe
    context: Safe
    timezone: Safe
    ranges: tuple[TimeRange, ...]
    monday_ranges: tuple[TimeRange, ...]  # hours of a worked weekend day (调休)
    calendars: tuple[Safe, ...]
    open: Location  # hangup when the condition is only a schedule
    closed: Location
    holiday: Location


@dataclass(frozen=True, slots=True)
class CalendarView:
    name: Safe
    holidays: tuple[Safe, ...]  # YYYYMMDD
    workdays: tuple[Safe, ...]


@dataclass(frozen=True, slots=True)
class RoutesDialplan:
    time_conditions: tuple[TimeConditionView, ...]
    calendars: tuple[CalendarView, ...]


# -- extensions_ivr.conf ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IvrOptionView:
    key: Safe
    language: Safe | None
    destination: Location


@dataclass(frozen=True, slots=True)
class IvrView:
    name: Safe
    context: Safe
    prompts: Localized
    invalid_prompts: Localized | None
    timeout_seconds: int
    max_retries: int
    direct_dial: bool
    zero_out: Location | None
    options: tuple[IvrOptionView, ...]
    timeout: Location
    invalid: Location


@dataclass(frozen=True, slots=True)
class IvrDialplan:
    menus: tuple[IvrView, ...]


# -- extensions_queues.conf ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SurveyView:
    """The post-call survey of a queue (the caller answers with a key 1..scale)."""

    context: Safe  # pbx-survey-<queue>
    prompts: Localized
    thanks: Localized | None
    scale: int
    timeout: int
    retries: int


@dataclass(frozen=True, slots=True)
class QueueDialplanView:
    name: Safe
    context: Safe
    max_wait: int
    vip_priority: int
    moh_class: Safe | None
    recording: Safe | None
    overflow: Location
    callback_key: Safe | None
    survey: SurveyView | None = None


@dataclass(frozen=True, slots=True)
class QueuesDialplan:
    queues: tuple[QueueDialplanView, ...]


# -- extensions_phones.conf ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExtensionView:
    number: Safe
    ring_seconds: int
    has_phone: bool
    hint: bool  # a BLF hint for the phone
    voicemail: bool
    recording: Safe | None


@dataclass(frozen=True, slots=True)
class PhonesDialplan:
    shards: tuple[tuple[Safe, tuple[ExtensionView, ...]], ...]  # (context, extensions)
    voicemail_boxes: tuple[Safe, ...]


# -- extensions_outbound.conf -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboundPatternView:
    exten: Safe  # "_91[3-9]XXXXXXXXX"
    strip: int  # digits of the prefix removed
    prepend: Safe


@dataclass(frozen=True, slots=True)
class OutboundRouteView:
    name: Safe
    context: Safe
    patterns: tuple[OutboundPatternView, ...]
    trunks: Safe  # "telecom:30:+8675586001234&voip-backup:0:+86..." for the static fallback
    caller_id_policy: Safe
    caller_id_number: Safe | None
    recording: Safe | None


@dataclass(frozen=True, slots=True)
class OutboundDialplan:
    routes: tuple[OutboundRouteView, ...]


# -- pjsip.conf ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PhoneView:
    endpoint: Safe
    username: Safe
    password: Safe
    transport: Safe
    codecs: Safe
    callerid: Safe  # '"Name" <1001>'
    language: Safe | None
    mailbox: Safe | None
    max_contacts: int
    outbound_caller_id: Safe | None


@dataclass(frozen=True, slots=True)
class TrunkView:
    name: Safe
    auth: Safe
    host: Safe
    port: int
    transport: Safe
    username: Safe | None
    password: Safe | None
    from_user: Safe | None
    from_domain: Safe | None
    codecs: Safe
    match: Safe  # comma-separated addresses for identify


@dataclass(frozen=True, slots=True)
class Pjsip:
    sip_bind: Safe
    phones: tuple[PhoneView, ...]
    trunks: tuple[TrunkView, ...]


# -- queues.conf, musiconhold.conf, voicemail.conf ----------------------------------------


@dataclass(frozen=True, slots=True)
class QueueMemberView:
    agent: Safe
    penalty: int
    state_interface: Safe


@dataclass(frozen=True, slots=True)
class QueueConfView:
    name: Safe
    settings: tuple[tuple[Safe, Safe], ...]  # (option, value) in file order
    members: tuple[QueueMemberView, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class QueuesConf:
    queues: tuple[QueueConfView, ...]


@dataclass(frozen=True, slots=True)
class MohClassView:
    name: Safe
    directory: Safe
    sort: Safe


@dataclass(frozen=True, slots=True)
class MusicOnHold:
    classes: tuple[MohClassView, ...]


@dataclass(frozen=True, slots=True)
class MailboxView:
    number: Safe
    pin: Safe
    name: Safe
    email: Safe


@dataclass(frozen=True, slots=True)
class Voicemail:
    mailboxes: tuple[MailboxView, ...]
