"""The tracker's live model: plain mutable dataclasses, owned by :class:`TrackerState`.

Keys: channels by Uniqueid, calls by Linkedid, bridges by BridgeUniqueid, queues by name,
members by (queue, interface), agents by agent code (the member name). Times are epoch
seconds (floats). Nothing here does I/O; readers outside the tracker get copies through
:mod:`controller.ami.tracker.views`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from controller.ami.tracker.records import AgentInterval, FinishedCall


@dataclass(slots=True)
class LiveChannel:
    uniqueid: str
    name: str
    linkedid: str
    created_at: float
    state: int = 0
    caller_num: str = ""
    caller_name: str = ""
    connected_num: str = ""
    connected_name: str = ""
    context: str = ""
    exten: str = ""
    dialed: str = ""  # the extension the channel was created for
    answered_at: float | None = None
    bridge: str | None = None
    # The agent whose phone (device leg) this channel is; None for callers and plumbing.
    agent: str | None = None
    # Set on the channel that runs [pbx-agent] for an agent: it dials that agent's phone.
    dialing_agent: str | None = None
    # Queue member plumbing (Local/<code>@pbx-agent...): the member's agent code.
    member_of: str | None = None
    vars: dict[str, str] = field(default_factory=dict)
    ended_at: float | None = None
    cause: int | None = None
    on_hold_since: float | None = None
    dial_status: str = ""  # DIALSTATUS of the last Dial this channel made

    @property
    def is_local(self) -> bool:
        return self.name.startswith("Local/")


@dataclass(slots=True)
class Leg:
    """One stay of a caller channel in one queue."""

    queue: str
    caller_uid: str
    entered_at: float
    orig_position: int
    exit_position: int | None = None
    connected_at: float | None = None
    ended_at: float | None = None
    outcome: str | None = None  # history.LegOutcome values
    exit_key: str | None = None
    agent: str | None = None
    member_uid: str | None = None
    ring_ms: int | None = None
    completed_by: str | None = None
    priority: int = 0
    attempts: list[Attempt] = field(default_factory=list)


@dataclass(slots=True)
class Attempt:
    agent: str
    interface: str
    dest_uid: str
    rang_at: float
    ended_at: float | None = None
    ring_ms: int | None = None
    result: str | None = None  # history.AttemptResult values


@dataclass(slots=True)
class Handling:
    """One agent's work on a call, through one device leg: first bridge to hang-up."""

    agent: str
    channel_uid: str
    talk_start: float
    talk_end: float | None = None
    holds: list[list[float | None]] = field(default_factory=list)  # [start, end]
    ended_by: str | None = None  # caller, agent, transfer
    # Who hung up first while this handling was open; Local-channel phones report their own
    # hang-up late, so the closing moment cannot tell.
    first_hangup: str | None = None
    leg: Leg | None = None

    @property
    def on_hold(self) -> bool:
        return bool(self.holds) and self.holds[-1][1] is None


@dataclass(slots=True)
class TransferRecord:
    at: float
    kind: str  # blind, attended
    method: str
    from_agent: str | None
    from_channel: str
    to_context: str
    to_exten: str
    target_uid: str | None
    success: bool


@dataclass(slots=True)
class RecordingState:
    channel_uid: str
    path: str
    started_at: float
    ended_at: float | None = None


@dataclass(slots=True)
class LiveCall:
    linkedid: str
    started_at: float
    channels: dict[str, LiveChannel] = field(default_factory=dict)  # live ones
    ended: list[LiveChannel] = field(default_factory=list)  # hung up, for the history
    attrs: dict[str, str] = field(default_factory=dict)  # PBX_* variables seen on its legs
    legs: list[Leg] = field(default_factory=list)
    handlings: list[Handling] = field(default_factory=list)
    transfers: list[TransferRecord] = field(default_factory=list)
    recordings: dict[str, RecordingState] = field(default_factory=dict)
    answered_at: float | None = None
    voicemail: bool = False
    caller_uid: str | None = None
    popped: set[str] = field(default_factory=set)  # agents shown a screen pop
    # How much of the call the tracker saw: live (all of it, over AMI), recovered (some of
    # it replayed from Asterisk's own records), partial (some of it missed for good).
    source: str = "live"

    def open_handling(self, channel_uid: str) -> Handling | None:
        for handling in reversed(self.handlings):
            if handling.channel_uid == channel_uid and handling.talk_end is None:
                return handling
        return None


@dataclass(slots=True)
class QueueCaller:
    uniqueid: str
    channel: str
    linkedid: str
    caller_num: str
    caller_name: str
    position: int
    joined_at: float
    priority: int = 0


@dataclass(slots=True)
class MemberState:
    queue: str
    interface: str
    name: str
    state_interface: str = ""
    dynamic: bool = True
    penalty: int = 0
    calls_taken: int = 0
    last_call: int = 0
    login_time: int = 0
    in_call: bool = False
    status: int = 0
    paused: bool = False
    paused_reason: str = ""
    wrapup_s: int = 0
    ringing: set[str] = field(default_factory=set)  # caller uniqueids ringing this member
    wrapup_until: float = 0.0


@dataclass(slots=True)
class LiveQueue:
    name: str
    strategy: str = ""
    max_callers: int = 0
    service_level_s: int = 0
    completed: int = 0
    abandoned: int = 0
    holdtime_s: int = 0
    talktime_s: int = 0
    service_level_perf: float = 0.0
    callers: dict[str, QueueCaller] = field(default_factory=dict)
    members: dict[str, MemberState] = field(default_factory=dict)  # by interface


@dataclass(slots=True)
class Seat:
    """An agent's derived state across queues (the wallboard's "seat")."""

    agent: str
    state: str = "logged_out"  # logged_out, idle, ringing, on_call, wrap_up, paused
    reason: str = ""
    since: float = 0.0
    device: str = ""
    linkedid: str | None = None  # the call the agent is on, if any


@dataclass
class Outbox:
    """What the tracker produced since the last drain."""

    finished: list[FinishedCall] = field(default_factory=list)
    intervals: list[AgentInterval] = field(default_factory=list)
    screen_pops: list[ScreenPop] = field(default_factory=list)
    calls: set[str] = field(default_factory=set)  # changed linkedids
    queues: set[str] = field(default_factory=set)
    agents: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class ScreenPop:
    """An agent was connected to a call: show them who calls."""

    agent: str
    linkedid: str
    at: float
    caller_num: str
    caller_name: str
    queue: str | None
    region: str | None
    customer_code: str | None
    ivr_path: str
    vip: bool


@dataclass
class TrackerState:
    server_id: str
    queue_wrapup: dict[str, int]
    device_agents: dict[str, str]  # device (PJSIP/1001) -> agent code: usual phones
    channels: dict[str, LiveChannel] = field(default_factory=dict)
    calls: dict[str, LiveCall] = field(default_factory=dict)
    bridges: dict[str, set[str]] = field(default_factory=dict)
    queues: dict[str, LiveQueue] = field(default_factory=dict)
    seats: dict[str, Seat] = field(default_factory=dict)
    logged_in_devices: dict[str, str] = field(default_factory=dict)  # device -> agent code
    # agent code -> {(queue, interface): member}: seats are derived without scanning queues.
    member_index: dict[str, dict[tuple[str, str], MemberState]] = field(default_factory=dict)
    # agent code -> {device channel uniqueid: linkedid} of the agent's open handlings.
    agent_calls: dict[str, dict[str, str]] = field(default_factory=dict)
    wrapups: dict[str, float] = field(default_factory=dict)  # agent -> wrap-up end to act on
    # Uniqueids seen recently (live or ended), so a re-sent Originate can be recognised.
    recent_uids: dict[str, float] = field(default_factory=dict)
    # Uniqueids that hung up: Asterisk sends the odd event after a Hangup (a NewCallerid on a
    # Local channel whose peer was bridged by AMI); it must not bring the channel back.
    ended_uids: dict[str, float] = field(default_factory=dict)
    dirty_agents: set[str] = field(default_factory=set)
    outbox: Outbox = field(default_factory=Outbox)
    replaying: bool = False  # applying events recovered from Asterisk's records
    now: float = 0.0  # time of the latest event or tick
    events: int = 0
