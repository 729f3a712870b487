"""Parsed AMI messages to typed events (:mod:`controller.ami.events`).

:func:`decode` looks the event name up in an explicit table; events the tracker does not use
return ``None`` after one dict lookup, which keeps the hot path cheap (Newexten and VarSet are
most of a busy stream). VarSet is decoded only for the variables the tracker uses. Numbers that
Asterisk leaves empty decode as 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import itemgetter

from controller.ami import events as ev
from controller.ami.protocol import Message
from controller.ami.tracker.calls import CALL_ATTRS, TRACKED_VARIABLES
from controller.recovery.marks import MARK_CONTEXT, MARK_EXTEN, mark_pairs

Fields = dict[str, str]


def _int(value: str | None) -> int:
    if not value:
        return 0
    try:
        return int(value)
    except ValueError:
        try:
            return int(float(value))
        except ValueError:
            return 0


def _float(value: str | None) -> float:
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0


_CHAN_KEYS = (
    "Channel", "Uniqueid", "Linkedid", "ChannelState", "CallerIDNum", "CallerIDName",
    "ConnectedLineNum", "ConnectedLineName", "Context", "Exten",
)  # fmt: skip
# The keys of a channel snapshot under each prefix, joined once (chan() runs for most events).
_PREFIXED = {prefix: tuple(prefix + key for key in _CHAN_KEYS) for prefix in ("", "Dest")}


# A channel snapshot has every one of its keys: read them in one C call (a missing one, as in
# the list actions' answers, takes the general path below).
_GET_CHAN = {prefix: itemgetter(*keys) for prefix, keys in _PREFIXED.items()}


def chan(f: Fields, prefix: str = "") -> ev.Chan:
    getter = _GET_CHAN.get(prefix)
    if getter is not None:
        try:
            name, uid, linkedid, state, num, cname, cnum, cnname, context, exten = getter(f)
        except KeyError:
            pass
        else:
            return ev.Chan(
                name, uid, linkedid, _int(state) if state else 0, num, cname, cnum, cnname,
                context, exten,
            )  # fmt: skip
    g = f.get
    keys = _PREFIXED.get(prefix) or tuple(prefix + key for key in _CHAN_KEYS)
    state = g(keys[3])
    return ev.Chan(
        g(keys[0], ""),
        g(keys[1], ""),
        g(keys[2], ""),
        _int(state) if state else 0,
        g(keys[4], ""),
        g(keys[5], ""),
        g(keys[6], ""),
        g(keys[7], ""),
        g(keys[8], ""),
        g(keys[9], ""),
    )


def _caller(f: Fields) -> ev.Chan | None:
    return chan(f) if "Uniqueid" in f else None


def _varset(f: Fields, at: float) -> ev.VarSet | None:
    name = f.get("Variable", "").lstrip("_")
    if name not in TRACKED_VARIABLES:
        return None
    return ev.VarSet(at, chan(f), name, f.get("Value", ""))


def _agent(kind: str) -> Callable[[Fields, float], ev.AgentEvent]:
    def build(f: Fields, at: float) -> ev.AgentEvent:
        g = f.get
        ring = g("RingTime")
        return ev.AgentEvent(
            at=at,
            kind=kind,
            caller_uid=g("Uniqueid") or g("DestLinkedid", ""),
            linkedid=g("Linkedid") or g("DestLinkedid", ""),
            queue=g("Queue", ""),
            member=g("MemberName", ""),
            interface=g("Interface", ""),
            dest_uid=g("DestUniqueid", ""),
            # AgentRingNoAnswer gives milliseconds, AgentConnect seconds.
            ring_ms=None if ring is None else _int(ring) * (1 if kind == "noanswer" else 1000),
            wait_s=_int(g("HoldTime")) if "HoldTime" in f else None,
            talk_s=_int(g("TalkTime")) if "TalkTime" in f else None,
            reason=g("Reason", ""),
        )

    return build


def _member(kind: str) -> Callable[[Fields, float], ev.Member]:
    def build(f: Fields, at: float) -> ev.Member:
        g = f.get
        return ev.Member(
            at=at,
            kind=kind,
            queue=g("Queue", ""),
            # QueueStatus lists call them Name/Location, the events MemberName/Interface.
            name=g("MemberName") or g("Name", ""),
            interface=g("Interface") or g("Location", ""),
            state_interface=g("StateInterface", ""),
            dynamic=g("Membership") == "dynamic",
            penalty=_int(g("Penalty")),
            calls_taken=_int(g("CallsTaken")),
            last_call=_int(g("LastCall")),
            login_time=_int(g("LoginTime")),
            in_call=g("InCall") == "1",
            status=_int(g("Status")),
            paused=g("Paused") == "1",
            paused_reason=g("PausedReason", ""),
            wrapup_s=_int(g("Wrapuptime")),
        )

    return build


def _duration(text: str) -> int:
    parts = text.split(":")
    if len(parts) != 3:
        return 0
    return _int(parts[0]) * 3600 + _int(parts[1]) * 60 + _int(parts[2])


def _listed(f: Fields, at: float) -> ev.ListedChannel:
    return ev.ListedChannel(
        at,
        chan(f),
        f.get("BridgeId", ""),
        f.get("Application", ""),
        _duration(f.get("Duration", "")),
    )


# UserEvent(PbxCall,Mark: ...) from [pbx-mark]: the same text as its CEL user event,
# ``_context=...&_exten=...&NAME=value&...`` with every value URIENCODEd.
CALL_MARK = "PbxCall"


def call_mark(f: Fields, at: float) -> ev.CallMark:
    pairs = mark_pairs(f.get("Mark", ""))
    attrs = tuple((name, value) for name, value in pairs.items() if name in CALL_ATTRS)
    context, exten = pairs.get(MARK_CONTEXT, ""), pairs.get(MARK_EXTEN, "")
    c = chan(f)
    if context:
        # Where the dialplan set them, as their VarSets would say (the event itself comes
        # from the [pbx-mark] subroutine).
        c = ev.Chan(
            c.name, c.uniqueid, c.linkedid, c.state, c.caller_num, c.caller_name,
            c.connected_num, c.connected_name, context, exten,
        )  # fmt: skip
    return ev.CallMark(at, c, attrs)


def _user_event(f: Fields, at: float) -> ev.QueueExit | ev.CallMark | None:
    name = f.get("UserEvent")
    if name == CALL_MARK:
        return call_mark(f, at)
    if name != "PbxQueueExit":
        return None
    return ev.QueueExit(at, chan(f), f.get("Queue", ""), f.get("Status", ""))


def _newexten(f: Fields, at: float) -> ev.AppStart | None:
    application = f.get("Application")
    if application != "VoiceMail":
        return None
    return ev.AppStart(at, chan(f), application)


def _attended(f: Fields, at: float) -> ev.AttendedTransfer:
    g = f.get
    return ev.AttendedTransfer(
        at=at,
        transferer=g("OrigTransfererUniqueid", ""),
        second_transferer=g("SecondTransfererUniqueid", ""),
        transferee=g("TransfereeUniqueid", ""),
        target=g("TransferTargetUniqueid", ""),
        method=g("DestType", ""),
        success=g("Result") == "Success",
    )


_TABLE: dict[str, Callable[[Fields, float], ev.Event | None]] = {
    "Newchannel": lambda f, at: ev.NewChannel(at, chan(f)),
    "Newstate": lambda f, at: ev.ChannelUpdate(at, chan(f)),
    "NewCallerid": lambda f, at: ev.ChannelUpdate(at, chan(f)),
    "NewConnectedLine": lambda f, at: ev.ChannelUpdate(at, chan(f)),
    "Hangup": lambda f, at: ev.Hangup(at, chan(f), _int(f.get("Cause"))),
    "VarSet": _varset,
    "Newexten": _newexten,
    "DialBegin": lambda f, at: ev.DialBegin(at, _caller(f), chan(f, "Dest")),
    "DialEnd": lambda f, at: ev.DialEnd(at, _caller(f), chan(f, "Dest"), f.get("DialStatus", "")),
    "BridgeEnter": lambda f, at: ev.BridgeEnter(at, f.get("BridgeUniqueid", ""), chan(f)),
    "BridgeLeave": lambda f, at: ev.BridgeLeave(at, f.get("BridgeUniqueid", ""), chan(f)),
    "Hold": lambda f, at: ev.Hold(at, chan(f), True),
    "Unhold": lambda f, at: ev.Hold(at, chan(f), False),
    "BlindTransfer": lambda f, at: ev.BlindTransfer(
        at,
        f.get("TransfererUniqueid", ""),
        f.get("TransfereeUniqueid", ""),
        f.get("Context", ""),
        f.get("Extension", ""),
        f.get("Result") == "Success",
    ),
    "AttendedTransfer": _attended,
    "QueueCallerJoin": lambda f, at: ev.QueueCallerJoin(
        at, chan(f), f.get("Queue", ""), _int(f.get("Position"))
    ),
    "QueueCallerLeave": lambda f, at: ev.QueueCallerLeave(
        at, chan(f), f.get("Queue", ""), _int(f.get("Position"))
    ),
    "QueueCallerAbandon": lambda f, at: ev.QueueCallerAbandon(
        at,
        chan(f),
        f.get("Queue", ""),
        _int(f.get("Position")),
        _int(f.get("OriginalPosition")),
        _int(f.get("HoldTime")),
    ),
    "AgentCalled": _agent("called"),
    "AgentRingNoAnswer": _agent("noanswer"),
    "AgentConnect": _agent("connect"),
    "AgentComplete": _agent("complete"),
    "AgentDump": _agent("dump"),
    "QueueMemberAdded": _member("added"),
    "QueueMemberRemoved": _member("removed"),
    "QueueMemberStatus": _member("status"),
    "QueueMemberPause": _member("pause"),
    "QueueMemberPenalty": _member("penalty"),
    "QueueMemberRinginuse": _member("ringinuse"),
    "QueueMember": _member("list"),
    "QueueParams": lambda f, at: ev.QueueParams(
        at,
        f.get("Queue", ""),
        f.get("Strategy", ""),
        _int(f.get("Max")),
        _int(f.get("Calls")),
        _int(f.get("Holdtime")),
        _int(f.get("TalkTime")),
        _int(f.get("Completed")),
        _int(f.get("Abandoned")),
        _int(f.get("ServiceLevel")),
        _float(f.get("ServicelevelPerf")),
    ),
    "QueueEntry": lambda f, at: ev.QueueEntry(
        at,
        f.get("Queue", ""),
        _int(f.get("Position")),
        f.get("Channel", ""),
        f.get("Uniqueid", ""),
        f.get("CallerIDNum", ""),
        f.get("CallerIDName", ""),
        _int(f.get("Wait")),
        _int(f.get("Priority")),
    ),
    "QueueSummary": lambda f, at: ev.QueueSummary(
        at,
        f.get("Queue", ""),
        _int(f.get("LoggedIn")),
        _int(f.get("Available")),
        _int(f.get("Callers")),
        _int(f.get("LongestHoldTime")),
    ),
    "CoreShowChannel": _listed,
    "MixMonitorStart": lambda f, at: ev.Recording(at, chan(f), True),
    "MixMonitorStop": lambda f, at: ev.Recording(at, chan(f), False),
    "UserEvent": _user_event,
}

TRACKED_EVENTS = frozenset(_TABLE)


# Events the tracker uses for some values of one header only: that header is read from the
# message's text first, and the rest is split only for a wanted value (without server-side
# filters, the other VarSet and Newexten events are most of a busy stream).
# controller.ami.live asks Asterisk for the same subsets (NARROWED), with these expressions.
UPDATE_STATES = "^[1-35-9]"  # ChannelState other than Down (0) and Ring (4)
HAS_CALLER = "."
_UPDATE = re.compile(UPDATE_STATES)
_WANTED: dict[str, tuple[str, Callable[[str], bool]]] = {
    "VarSet": ("Variable", lambda value: value.lstrip("_") in TRACKED_VARIABLES),
    "Newexten": ("Application", "VoiceMail".__eq__),
    "UserEvent": ("UserEvent", frozenset({"PbxQueueExit", CALL_MARK}).__contains__),
    # A caller ID or connected line change of a channel not answered yet (Down: a dialled
    # channel being set up; Ring: an incoming one, a Local channel's ;2 half) tells nothing
    # its next event does not: every event carries the whole snapshot, and the next one
    # (Newstate at the answer, DialBegin, Hangup) comes before anything depends on it.
    "NewCallerid": ("ChannelState", lambda value: _UPDATE.match(value) is not None),
    "NewConnectedLine": ("ChannelState", lambda value: _UPDATE.match(value) is not None),
    # A dial without a calling channel (an Originate) would only refresh the dialled
    # channel's snapshot, which that channel's own events carry.
    "DialBegin": ("Uniqueid", bool),
    "DialEnd": ("Uniqueid", bool),
}


def decode(message: Message, received_at: float) -> ev.Event | None:
    """The typed event for ``message``, or None when the tracker has no use for it."""
    name = message.event
    build = _TABLE.get(name)
    if build is None:
        return None
    wanted = _WANTED.get(name)
    if wanted is not None:
        value = message.header(wanted[0])
        if value is None or not wanted[1](value):
            return None
    fields = message.fields
    stamp = fields.get("Timestamp")
    return build(fields, float(stamp) if stamp else received_at)


def decode_status_variables(message: Message) -> tuple[tuple[str, str], ...]:
    """``Variable: NAME=value`` lines of a Status event, as pairs (names without ``_``).

    Asterisk writes ``(null)`` for a variable that is not set: those are left out."""
    pairs = []
    for line in message.all("Variable"):
        name, sep, value = line.partition("=")
        if sep and value != "(null)":
            pairs.append((name.lstrip("_"), value))
    return tuple(pairs)
