"""Asterisk's records of a call (CEL + queue_log) -> the typed events the tracker reads.

The recovery replays a call the controller did not see through the *same* tracker that follows
live calls, so a recovered call is defined exactly like a live one (outcome, legs, handlings,
transfers). This module only translates; it never decides what a call was.

What each tracker event is made of:

======================  ===============================================================
NewChannel              CEL CHAN_START
ChannelUpdate (Up)      CEL ANSWER
Hangup                  CEL HANGUP (cause from its extra)
BridgeEnter/Leave       CEL BRIDGE_ENTER / BRIDGE_EXIT (bridge_id)
Blind/AttendedTransfer  CEL BLINDTRANSFER / ATTENDEDTRANSFER
VarSet (PBX_*)          our ``PBX`` user events (``[pbx-mark]``): the values that changed
Recording               CEL APP_START MixMonitor (the file is its first argument)
AppStart VoiceMail      CEL APP_START VoiceMail
DialBegin               inferred: a channel that entered a bridge with the channel that
                        dials an agent (``PBX_AGENT`` set in ``[pbx-agent]``) is that
                        agent's phone, as AMI's DialBegin would have said
QueueCallerJoin         queue_log ENTERQUEUE, timed by the caller's APP_START Queue
AgentEvent called       CEL CHAN_START of a member channel app_queue created
AgentEvent connect      queue_log CONNECT, timed by the caller's BRIDGE_ENTER with the member
AgentEvent noanswer     queue_log RINGNOANSWER, timed by the member channel's HANGUP
AgentEvent complete     queue_log COMPLETEAGENT / COMPLETECALLER / *TRANSFER, timed by the
                        first BRIDGE_EXIT of the queue's bridge
QueueCallerAbandon      queue_log ABANDON, before the caller's APP_END Queue (or HANGUP)
QueueCallerLeave/Exit   queue_log EXITWITHTIMEOUT / EXITWITHKEY / EXITEMPTY / WITHDRAW /
                        PBXREFUSED, before the caller's APP_END Queue
======================  ===============================================================

queue_log times are whole seconds; every queue event takes its exact time from the CEL event
named above (``anchor``), within a second of the queue_log line. Not in either record, so not
recovered: holds (AMI only), connected-line numbers, recordings started over AMI, positions
at which an answered caller left the queue.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from controller.ami import events as ev
from controller.ami.tracker.channels import AGENT_CONTEXT, member_agent
from controller.recovery.cel import USER_EVENT, CelRecord
from controller.recovery.marks import MARK_CONTEXT, MARK_EXTEN, MARKED_VARIABLES
from controller.recovery.queue_log import QueueLogLine

RECOVERED_VARIABLES = frozenset(MARKED_VARIABLES)
# Positions are 1-based: a leave without a known position says 0 (see tracker.queues).
UNKNOWN_POSITION = 0

_COMPLETE_REASONS = {
    "COMPLETEAGENT": "agent",
    "COMPLETECALLER": "caller",
    "BLINDTRANSFER": "transfer",
    "ATTENDEDTRANSFER": "transfer",
}
_EXIT_STATUS = {
    "EXITWITHTIMEOUT": "TIMEOUT",
    "EXITEMPTY": "LEAVEEMPTY",
    "WITHDRAW": "WITHDRAW",
}


@dataclass(slots=True)
class _Placed:
    at: float
    order: float
    event: ev.Event


@dataclass(slots=True)
class _Leg:
    """A caller's stay in a queue, as far as the records tell."""

    callid: str
    queue: str
    enter_index: int | None  # the CEL row of its APP_START Queue
    entered: float
    ended: float = math.inf
    member_uid: str = ""
    bridge: str = ""


@dataclass
class _Context:
    rows: Sequence[CelRecord]
    placed: list[_Placed] = field(default_factory=list)
    used: set[int] = field(default_factory=set)  # rows already taken as an anchor
    bridges: dict[str, set[str]] = field(default_factory=dict)  # bridge id -> uniqueids
    first_bridge_of: dict[tuple[str, str], int] = field(default_factory=dict)
    dialers: set[str] = field(default_factory=set)  # channels that dial an agent's phone
    states: dict[int, int] = field(default_factory=dict)  # row index -> channel state
    by_uid: dict[str, list[int]] = field(default_factory=dict)  # uniqueid -> its rows

    def chan(self, index: int) -> ev.Chan:
        row = self.rows[index]
        return ev.Chan(
            name=row.channel,
            uniqueid=row.uniqueid,
            linkedid=row.linkedid,
            state=self.states.get(index, 0),
            caller_num=row.cid_num,
            caller_name=row.cid_name,
            context=row.context,
            exten=row.exten,
        )

    def put(self, index: int, offset: float, event: ev.Event) -> None:
        self.placed.append(_Placed(self.rows[index].at, index + offset, event))

    def put_at(self, at: float, event: ev.Event) -> None:
        """An event without an anchor row: placed by time among the rows."""
        order = next((i for i, row in enumerate(self.rows) if row.at > at), len(self.rows))
        self.placed.append(_Placed(at, order - 0.5, event))


def translate(cel: Sequence[CelRecord], queue_log: Iterable[QueueLogLine]) -> list[ev.Event]:
    """The tracker events of the calls in ``cel`` (time-ordered rows of whole calls, or of the
    part of them to replay) and their ``queue_log`` lines, in the order to apply them."""
    ctx = _Context(cel)
    _prepare(ctx)
    _channel_events(ctx)
    lines = sorted(queue_log, key=lambda line: line.at)
    legs = _queue_events(ctx, lines)
    _ring_events(ctx, legs)
    ctx.placed.sort(key=lambda p: (p.order, p.at))
    return [p.event for p in ctx.placed]


# -- a first pass: channel states, bridges, who dials agents --------------------------------


def _prepare(ctx: _Context) -> None:
    state: dict[str, int] = {}
    for index, row in enumerate(ctx.rows):
        ctx.by_uid.setdefault(row.uniqueid, []).append(index)
        if row.event == "ANSWER":
            state[row.uniqueid] = 6
        ctx.states[index] = state.get(row.uniqueid, 0)
        if row.event == "BRIDGE_ENTER":
            bridge = _bridge(row)
            ctx.bridges.setdefault(bridge, set()).add(row.uniqueid)
            ctx.first_bridge_of.setdefault((row.uniqueid, bridge), index)
        elif row.user_event == USER_EVENT:
            values = row.attributes()
            if values.get(MARK_CONTEXT) == AGENT_CONTEXT and values.get("PBX_AGENT"):
                ctx.dialers.add(row.uniqueid)


def _bridge(row: CelRecord) -> str:
    value = row.extra.get("bridge_id")
    return value if isinstance(value, str) else ""


def _text(row: CelRecord, key: str) -> str:
    value = row.extra.get(key)
    return value if isinstance(value, str) else ""


# -- CEL rows -> channel events ---------------------------------------------------------------


def _channel_events(ctx: _Context) -> None:
    seen_vars: dict[str, dict[str, str]] = {}
    by_uid: dict[str, int] = {}  # latest row of each channel
    for index, row in enumerate(ctx.rows):
        by_uid[row.uniqueid] = index
        chan = ctx.chan(index)
        kind = row.event
        if kind == "CHAN_START":
            ctx.put(index, 0.0, ev.NewChannel(row.at, chan))
        elif kind == "ANSWER":
            ctx.put(index, 0.0, ev.ChannelUpdate(row.at, chan))
        elif kind == "HANGUP":
            cause = row.extra.get("hangupcause")
            hangup = ev.Hangup(
                row.at, chan, cause if isinstance(cause, int) else 0, _text(row, "dialstatus")
            )
            ctx.put(index, 0.0, hangup)
        elif kind == "BRIDGE_ENTER":
            _dial_begin(ctx, index, by_uid)
            ctx.put(index, 0.0, ev.BridgeEnter(row.at, _bridge(row), chan))
        elif kind == "BRIDGE_EXIT":
            ctx.put(index, 0.0, ev.BridgeLeave(row.at, _bridge(row), chan))
        elif kind == "BLINDTRANSFER":
            event = ev.BlindTransfer(
                row.at,
                row.uniqueid,
                _text(row, "transferee_channel_uniqueid"),
                _text(row, "context"),
                _text(row, "extension"),
                True,
            )
            ctx.put(index, 0.0, event)
        elif kind == "ATTENDEDTRANSFER":
            ctx.put(index, 0.0, _attended(row))
        elif kind == "APP_START":
            _app_start(ctx, index, seen_vars)
        elif row.user_event == USER_EVENT:
            _variables(ctx, index, seen_vars, row.attributes())


def _attended(row: CelRecord) -> ev.AttendedTransfer:
    return ev.AttendedTransfer(
        at=row.at,
        transferer=row.uniqueid,
        second_transferer=_text(row, "channel2_uniqueid"),
        transferee=_text(row, "transferee_channel_uniqueid"),
        target=_text(row, "transfer_target_channel_uniqueid"),
        method="Bridge" if _text(row, "bridge2_id") else "App",
        success=True,  # CEL records the transfers that happened
    )


def _app_start(ctx: _Context, index: int, seen_vars: dict[str, dict[str, str]]) -> None:
    row = ctx.rows[index]
    if row.app == "MixMonitor":
        path = row.app_data.split(",", 1)[0]
        if path:
            _variables(ctx, index, seen_vars, {"PBX_RECORDING": path}, offset=-0.2)
        ctx.put(index, 0.0, ev.Recording(row.at, ctx.chan(index), True))
    elif row.app == "VoiceMail":
        ctx.put(index, 0.0, ev.AppStart(row.at, ctx.chan(index), "VoiceMail"))


def _variables(
    ctx: _Context,
    index: int,
    seen_vars: dict[str, dict[str, str]],
    values: dict[str, str],
    offset: float = 0.0,
) -> None:
    """VarSet for each tracked variable whose value changed on this channel (AMI reports a
    Set, not the same value again), where the dialplan set it (not inside [pbx-mark])."""
    row = ctx.rows[index]
    seen = seen_vars.setdefault(row.uniqueid, {})
    chan = ctx.chan(index)
    if MARK_CONTEXT in values:
        chan = replace(chan, context=values[MARK_CONTEXT], exten=values.get(MARK_EXTEN, ""))
    for name in sorted(values):
        value = values[name]
        if name not in RECOVERED_VARIABLES or seen.get(name, "") == value:
            continue
        seen[name] = value
        ctx.put(index, offset, ev.VarSet(row.at, chan, name, value))


def _dial_begin(ctx: _Context, index: int, by_uid: dict[str, int]) -> None:
    """The first time a channel enters a bridge with a channel that dials an agent, it is the
    agent's phone: what DialBegin tells the live tracker."""
    row = ctx.rows[index]
    uid = row.uniqueid
    bridge = _bridge(row)
    if (
        uid in ctx.dialers
        or member_agent(row.channel)
        or ctx.first_bridge_of.get((uid, bridge)) != index
    ):
        return
    for other in sorted(ctx.bridges.get(bridge, ())):
        if other != uid and other in ctx.dialers and other in by_uid:
            caller = ctx.chan(by_uid[other])
            ctx.put(index, -0.3, ev.DialBegin(row.at, caller, ctx.chan(index)))
            return


# -- queue_log -> queue events ------------------------------------------------------------------


def _anchor(ctx: _Context, second: int, wanted: Iterable[int], *, take: bool = True) -> int | None:
    """The row among ``wanted`` whose time lies in the queue_log line's second (or next to
    it), the nearest first; taken rows are not offered twice."""
    best: tuple[float, int] | None = None
    for index in wanted:
        if index in ctx.used:
            continue
        at = ctx.rows[index].at
        if second - 1 <= at < second + 2:
            distance = abs(at - (second + 0.5))
            if best is None or distance < best[0]:
                best = (distance, index)
    if best is None:
        return None
    if take:
        ctx.used.add(best[1])
    return best[1]


def _rows(ctx: _Context, uid: str, event: str, app: str | None = None) -> list[int]:
    return [
        i
        for i in ctx.by_uid.get(uid, ())
        if ctx.rows[i].event == event and (app is None or ctx.rows[i].app == app)
    ]


def _queue_events(ctx: _Context, lines: Sequence[QueueLogLine]) -> list[_Leg]:
    legs: list[_Leg] = []
    open_legs: dict[tuple[str, str], _Leg] = {}
    for line in lines:
        key = (line.callid, line.queue)
        if line.event == "ENTERQUEUE":
            leg = _enter(ctx, line)
            if leg is not None:
                legs.append(leg)
                open_legs[key] = leg
            continue
        leg = open_legs.get(key)
        if leg is None:
            continue
        if line.event == "CONNECT":
            _connect(ctx, line, leg)
        elif line.event == "RINGNOANSWER":
            _no_answer(ctx, line, leg)
        elif line.event in _COMPLETE_REASONS:
            _complete(ctx, line, leg)
            open_legs.pop(key, None)
        elif line.event == "ABANDON":
            _leave(ctx, line, leg, position=line.number(0), abandon=True)
            open_legs.pop(key, None)
        elif line.event in _EXIT_STATUS:
            _leave(ctx, line, leg, position=line.number(0), status=_EXIT_STATUS[line.event])
            open_legs.pop(key, None)
        elif line.event == "EXITWITHKEY":
            _leave(ctx, line, leg, position=line.number(1))
            open_legs.pop(key, None)
        elif line.event == "PBXREFUSED":
            _leave(ctx, line, leg, position=None, status=line.field(0))
            open_legs.pop(key, None)
    return legs


def _caller_row(ctx: _Context, uid: str, at: float) -> int | None:
    """The caller's latest row at ``at`` (for its snapshot)."""
    found = None
    for index in ctx.by_uid.get(uid, ()):
        if ctx.rows[index].at > at and found is not None:
            break
        found = index
    return found


def _enter(ctx: _Context, line: QueueLogLine) -> _Leg | None:
    starts = [
        i
        for i in _rows(ctx, line.callid, "APP_START", "Queue")
        if ctx.rows[i].app_data.split(",", 1)[0] == line.queue
    ]
    index = _anchor(ctx, line.at, starts)
    if index is None:
        index = _caller_row(ctx, line.callid, line.at)
        if index is None:
            return None  # the caller's channel is not in the records read
        at = max(float(line.at), ctx.rows[index].at)
        ctx.put_at(at, ev.QueueCallerJoin(at, ctx.chan(index), line.queue, line.number(2) or 1))
        return _Leg(line.callid, line.queue, None, at)
    row = ctx.rows[index]
    ctx.put(index, 0.1, ev.QueueCallerJoin(row.at, ctx.chan(index), line.queue,
                                           line.number(2) or 1))  # fmt: skip
    leg = _Leg(line.callid, line.queue, index, row.at)
    ends = [i for i in _rows(ctx, line.callid, "APP_END", "Queue") if ctx.rows[i].at >= row.at]
    hangups = [i for i in _rows(ctx, line.callid, "HANGUP") if ctx.rows[i].at >= row.at]
    if ends or hangups:
        leg.ended = ctx.rows[min(ends or hangups)].at
    return leg


def _agent_event(
    leg: _Leg, kind: str, at: float, linkedid: str, agent: str, member_uid: str, **extra: object
) -> ev.AgentEvent:
    return ev.AgentEvent(
        at=at,
        kind=kind,
        caller_uid=leg.callid,
        linkedid=linkedid,
        queue=leg.queue,
        member=agent,
        interface=f"Local/{agent}@{AGENT_CONTEXT}/n",
        dest_uid=member_uid,
        **extra,  # type: ignore[arg-type]
    )


def _connect(ctx: _Context, line: QueueLogLine, leg: _Leg) -> None:
    member_uid = line.field(1)
    leg.member_uid = member_uid
    enters = [
        i
        for i in _rows(ctx, leg.callid, "BRIDGE_ENTER")
        if member_uid in ctx.bridges.get(_bridge(ctx.rows[i]), ())
    ]
    index = _anchor(ctx, line.at, enters, take=False)
    if index is None:
        return
    row = ctx.rows[index]
    leg.bridge = _bridge(row)
    chan = ctx.chan(index)
    ctx.put(index, 0.1, ev.QueueCallerLeave(row.at, chan, leg.queue, UNKNOWN_POSITION))
    connect = _agent_event(
        leg, "connect", row.at, row.linkedid, line.agent, member_uid,
        ring_ms=(line.number(2) or 0) * 1000, wait_s=line.number(0),
    )  # fmt: skip
    ctx.put(index, 0.2, connect)


def _no_answer(ctx: _Context, line: QueueLogLine, leg: _Leg) -> None:
    members = [
        i
        for i, row in enumerate(ctx.rows)
        if row.event == "HANGUP" and member_agent(row.channel) == line.agent
    ]
    index = _anchor(ctx, line.at, members)
    if index is None:
        return
    row = ctx.rows[index]
    event = _agent_event(
        leg, "noanswer", row.at, row.linkedid, line.agent, row.uniqueid, ring_ms=line.number(0)
    )
    ctx.put(index, -0.1, event)


def _complete(ctx: _Context, line: QueueLogLine, leg: _Leg) -> None:
    exits = [
        i
        for i, row in enumerate(ctx.rows)
        if row.event == "BRIDGE_EXIT" and leg.bridge and _bridge(row) == leg.bridge
    ]
    index = _anchor(ctx, line.at, exits, take=False)
    caller = _caller_row(ctx, leg.callid, line.at + 1)
    if caller is None:
        return
    event = _agent_event(
        leg, "complete", 0.0, ctx.rows[caller].linkedid, line.agent, leg.member_uid,
        reason=_COMPLETE_REASONS[line.event],
    )  # fmt: skip
    if index is None:
        ctx.put_at(float(line.at), _at(event, float(line.at)))
    else:
        ctx.put(index, 0.1, _at(event, ctx.rows[index].at))


def _at(event: ev.AgentEvent, at: float) -> ev.AgentEvent:
    return ev.AgentEvent(
        at, event.kind, event.caller_uid, event.linkedid, event.queue, event.member,
        event.interface, event.dest_uid, event.ring_ms, event.wait_s, event.talk_s, event.reason,
    )  # fmt: skip


def _leave(
    ctx: _Context,
    line: QueueLogLine,
    leg: _Leg,
    *,
    position: int | None,
    status: str | None = None,
    abandon: bool = False,
) -> None:
    """The caller left without an agent: placed before the caller's APP_END Queue (or its
    hang-up), so the leg ends while the call still lives."""
    ends = [
        i for i in _rows(ctx, leg.callid, "APP_END", "Queue") if ctx.rows[i].at >= leg.entered
    ] or [i for i in _rows(ctx, leg.callid, "HANGUP") if ctx.rows[i].at >= leg.entered]
    index = _anchor(ctx, line.at, ends)
    hangups = [i for i in _rows(ctx, leg.callid, "HANGUP") if ctx.rows[i].at >= leg.entered]
    if index is not None and hangups and hangups[0] < index:
        index = hangups[0]  # recorded in the same microsecond: before the hang-up all the same
    caller = index if index is not None else _caller_row(ctx, leg.callid, line.at)
    if caller is None:
        return
    row = ctx.rows[caller]
    at = row.at if index is not None else float(line.at)
    chan = ctx.chan(caller)
    events: list[ev.Event] = []
    if abandon:
        events.append(ev.QueueCallerAbandon(at, chan, leg.queue, position or 0,
                                            line.number(1) or 0, line.number(2) or 0))  # fmt: skip
    events.append(ev.QueueCallerLeave(at, chan, leg.queue, position or UNKNOWN_POSITION))
    if status:
        events.append(ev.QueueExit(at, chan, leg.queue, status))
    for offset, event in enumerate(events):
        if index is None:
            ctx.put_at(at, event)
        else:
            ctx.put(index, -0.4 + offset * 0.05, event)


# -- rings: every member channel app_queue created is an AgentCalled ----------------------------


def _ring_events(ctx: _Context, legs: Sequence[_Leg]) -> None:
    from_queue = {row.uniqueid for row in ctx.rows if row.app == "AppQueue"}
    for index, row in enumerate(ctx.rows):
        agent = member_agent(row.channel)
        if row.event != "CHAN_START" or agent is None or row.uniqueid not in from_queue:
            continue
        leg = next(
            (
                leg
                for leg in reversed(legs)
                if leg.entered <= row.at <= leg.ended and _same_call(ctx, leg.callid, row.linkedid)
            ),
            None,
        )
        if leg is None:
            continue
        event = _agent_event(leg, "called", row.at, row.linkedid, agent, row.uniqueid)
        ctx.put(index, 0.1, event)


def _same_call(ctx: _Context, callid: str, linkedid: str) -> bool:
    return any(ctx.rows[i].linkedid == linkedid for i in ctx.by_uid.get(callid, ()))
