"""Typed AMI events: the only input of the tracker.

Each class carries what the tracker needs, already converted (ints, floats); ``at`` is the
event's time in epoch seconds (Asterisk's ``Timestamp`` header when manager.conf has
``timestampevents=yes``, else the time the client received it). :mod:`controller.ami.decode`
builds them from parsed messages; events the tracker does not use are never built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, dataclass_transform

_T = TypeVar("_T")


@dataclass_transform(frozen_default=True)
def immutable(cls: type[_T]) -> type[_T]:
    """A frozen dataclass to the type checker and to every reader: never assign a field.

    At run time it is built without ``frozen``: a frozen dataclass sets each field through
    ``object.__setattr__``, which makes building one 6-7x slower in CPython 3.11 (a ``Chan``:
    ~6 us instead of ~0.9 us), and the decoder builds one or two for every event it keeps.
    Equality and hashing are the same as frozen (by value)."""
    return dataclass(slots=True, unsafe_hash=True)(cls)


@immutable
class Chan:
    """The channel snapshot most events carry."""

    name: str
    uniqueid: str
    linkedid: str
    state: int = 0  # ChannelState: 4 ring, 5 ringing, 6 up
    caller_num: str = ""
    caller_name: str = ""
    connected_num: str = ""
    connected_name: str = ""
    context: str = ""
    exten: str = ""


@immutable
class NewChannel:
    at: float
    chan: Chan


@immutable
class ChannelUpdate:
    """Newstate, NewCallerid, NewConnectedLine: a fresher snapshot of a known channel."""

    at: float
    chan: Chan


@immutable
class Hangup:
    at: float
    chan: Chan
    cause: int
    # The channel's last DIALSTATUS: AMI's Hangup has none (DialEnd tells it), Asterisk's CEL
    # HANGUP record has it.
    dial_status: str = ""


@immutable
class VarSet:
    """A ``PBX_*`` variable the tracker uses set on a channel (leading ``_``/``__`` removed
    from the name; see ``tracker.calls.TRACKED_VARIABLES``)."""

    at: float
    chan: Chan
    name: str
    value: str


@immutable
class DialBegin:
    at: float
    caller: Chan | None  # None when the dial comes from an Originate
    dest: Chan


@immutable
class DialEnd:
    at: float
    caller: Chan | None
    dest: Chan
    status: str


@immutable
class BridgeEnter:
    at: float
    bridge: str
    chan: Chan


@immutable
class BridgeLeave:
    at: float
    bridge: str
    chan: Chan


@immutable
class Hold:
    """A phone put its call on hold (``Hold``) or took it back (``Unhold``: ``on=False``)."""

    at: float
    chan: Chan
    on: bool


@immutable
class BlindTransfer:
    at: float
    transferer: str  # uniqueid of the channel that transferred
    transferee: str
    context: str
    exten: str
    success: bool


@immutable
class AttendedTransfer:
    at: float
    transferer: str  # OrigTransfererUniqueid: the agent who started the transfer
    second_transferer: str  # the transferer's consultation channel
    transferee: str
    target: str  # TransferTargetUniqueid: the party the call now goes to
    method: str  # DestType: Bridge, App, Link, Threeway, Fail
    success: bool


@immutable
class QueueCallerJoin:
    at: float
    chan: Chan
    queue: str
    position: int


@immutable
class QueueCallerLeave:
    at: float
    chan: Chan
    queue: str
    position: int


@immutable
class QueueCallerAbandon:
    at: float
    chan: Chan
    queue: str
    position: int
    orig_position: int
    wait_s: int


@immutable
class AgentEvent:
    """AgentCalled / AgentRingNoAnswer / AgentConnect / AgentComplete / AgentDump.

    ``linkedid``/``caller_uid`` come from the caller's fields or, when Asterisk leaves them
    out (it does for AgentComplete at times), from the member channel's Dest* fields.
    """

    at: float
    kind: str  # called, noanswer, connect, complete, dump
    caller_uid: str
    linkedid: str
    queue: str
    member: str  # MemberName: the agent code for our members
    interface: str
    dest_uid: str
    ring_ms: int | None = None
    wait_s: int | None = None
    talk_s: int | None = None
    reason: str = ""  # AgentComplete: caller, agent, transfer


@immutable
class Member:
    """One queue member as QueueMember* events and QueueStatus list it."""

    at: float
    kind: str  # added, removed, status, pause, penalty, ringinuse, list
    queue: str
    name: str
    interface: str
    state_interface: str
    dynamic: bool
    penalty: int
    calls_taken: int
    last_call: int
    login_time: int
    in_call: bool
    status: int  # device state: 1 not in use, 2 in use, 3 busy, 5 unavailable, 6 ringing ...
    paused: bool
    paused_reason: str
    wrapup_s: int


@immutable
class QueueParams:
    at: float
    queue: str
    strategy: str
    max_callers: int
    calls: int
    holdtime_s: int
    talktime_s: int
    completed: int
    abandoned: int
    service_level_s: int
    service_level_perf: float


@immutable
class QueueEntry:
    at: float
    queue: str
    position: int
    channel: str
    uniqueid: str
    caller_num: str
    caller_name: str
    wait_s: int
    priority: int


@immutable
class QueueSummary:
    at: float
    queue: str
    logged_in: int
    available: int
    callers: int
    longest_wait_s: int


@immutable
class ListedChannel:
    """A channel as CoreShowChannels lists it; ``variables`` come from a Status listing."""

    at: float
    chan: Chan
    bridge: str
    application: str
    duration_s: int
    variables: tuple[tuple[str, str], ...] = ()


@immutable
class Recording:
    """MixMonitorStart (``on``) / MixMonitorStop on a channel."""

    at: float
    chan: Chan
    on: bool


@immutable
class QueueExit:
    """``UserEvent(PbxQueueExit)`` from the generated dialplan: why Queue() returned."""

    at: float
    chan: Chan
    queue: str
    status: str  # QUEUESTATUS: TIMEOUT, FULL, JOINEMPTY, LEAVEEMPTY, JOINUNAVAIL, ...


@immutable
class CallMark:
    """``UserEvent(PbxCall)`` from ``[pbx-mark]``: the call's attributes on a channel, all at
    once, where the dialplan set them (``chan`` carries the context and extension that called
    the mark, not ``pbx-mark``). ``attrs``: the ``PBX_*`` attributes the mark names, decoded."""

    at: float
    chan: Chan
    attrs: tuple[tuple[str, str], ...]


@immutable
class AppStart:
    """Newexten for the few applications the tracker cares about (VoiceMail)."""

    at: float
    chan: Chan
    application: str


Event = (
    NewChannel
    | ChannelUpdate
    | Hangup
    | VarSet
    | DialBegin
    | DialEnd
    | BridgeEnter
    | BridgeLeave
    | Hold
    | BlindTransfer
    | AttendedTransfer
    | QueueCallerJoin
    | QueueCallerLeave
    | QueueCallerAbandon
    | AgentEvent
    | Member
    | QueueParams
    | QueueEntry
    | QueueSummary
    | ListedChannel
    | Recording
    | QueueExit
    | CallMark
    | AppStart
)
