"""A :class:`~controller.routing.live.LiveView` fed by AMI queue events.

On every (re)connection a ``QueueStatus`` list rebuilds the state (members, their device
state and pause, callers waiting, average talk and hold times); between those, queue events
keep it current: member status, pause, add/remove, callers joining and leaving. A periodic
``QueueStatus`` (every ``resync`` seconds) repairs anything an event missed.

It is one implementation of the protocol; the issue-6 AMI tracker can replace it by
implementing the same three members (``agent``, ``queue``, ``fresh``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from controller.ami.protocol import Message
from controller.ami.session import AmiSession
from controller.routing.live import AgentLive, QueueLive

log = logging.getLogger("controller.agi")

# app_queue's member status codes (AST_DEVICE_*): UNKNOWN and NOT_INUSE may be rung.
_FREE = frozenset({"0", "1"})


@dataclass
class _Member:
    paused: bool = False
    status: str = "0"
    in_call: bool = False
    last_call: float = 0.0
    login_time: float = 0.0
    last_pause: float = 0.0
    wrapup: int = 0  # member override, seconds; 0: the queue's


@dataclass
class _Queue:
    callers: int = 0
    talk_seconds: float = 0.0
    hold_seconds: float = 0.0
    members: dict[str, _Member] = field(default_factory=dict)  # by agent code


def _num(message: Message, key: str) -> float:
    try:
        return float(message.get(key, "0") or 0)
    except ValueError:
        return 0.0


class AmiLiveView:
    """Live state from AMI. ``wrapup_of(queue)`` gives a queue's after-call seconds."""

    def __init__(self, wrapup_of: Callable[[str], int] = lambda _queue: 0) -> None:
        self.wrapup_of = wrapup_of
        self._queues: dict[str, _Queue] = {}
        self._synced = False

    # -- LiveView ----------------------------------------------------------------------------

    @property
    def fresh(self) -> bool:
        return self._synced

    def queue(self, name: str) -> QueueLive | None:
        q = self._queues.get(name)
        if q is None:
            return None
        ready = [m for m in q.members.values() if not m.paused]
        free = sum(1 for m in ready if not m.in_call and m.status in _FREE)
        return QueueLive(
            name, q.callers, len(q.members), len(ready), free, q.talk_seconds, q.hold_seconds
        )

    def agent(self, code: str) -> AgentLive | None:
        queues: dict[str, bool] = {}
        in_use, idle_since, wrapup_until = False, 0.0, 0.0
        for name, q in self._queues.items():
            m = q.members.get(code)
            if m is None:
                continue
            queues[name] = m.paused
            in_use = in_use or m.in_call or m.status not in _FREE
            idle_since = max(idle_since, m.last_call, m.login_time, m.last_pause)
            wrapup = m.wrapup or self.wrapup_of(name)
            if m.last_call:
                wrapup_until = max(wrapup_until, m.last_call + wrapup)
        if not queues:
            return None
        return AgentLive(code, queues, in_use, idle_since, wrapup_until)

    # -- feeding ---------------------------------------------------------------------------

    async def resync(self, session: AmiSession) -> None:
        """Rebuild everything from a QueueStatus list."""
        events = await session.list_action("QueueStatus")
        queues: dict[str, _Queue] = {}
        for event in events:
            name = event.get("Queue", "")
            kind = event.get("Event")
            if kind == "QueueParams":
                q = queues.setdefault(name, _Queue())
                q.callers = int(_num(event, "Calls"))
                q.talk_seconds = _num(event, "TalkTime")
                q.hold_seconds = _num(event, "Holdtime")
            elif kind == "QueueMember":
                self._apply_member(queues.setdefault(name, _Queue()), event)
        self._queues = queues
        self._synced = True

    def disconnected(self) -> None:
        self._synced = False

    def on_event(self, event: Message) -> None:
        kind = event.get("Event", "")
        name = event.get("Queue")
        if name is None or not kind.startswith(("Queue", "Agent")):
            return
        q = self._queues.setdefault(name, _Queue())
        if kind in ("QueueMemberStatus", "QueueMemberAdded", "QueueMemberPause"):
            self._apply_member(q, event)
        elif kind == "QueueMemberRemoved":
            q.members.pop(event.get("MemberName", ""), None)
        elif kind in ("QueueCallerJoin", "QueueCallerLeave"):
            q.callers = int(_num(event, "Count"))
        elif kind == "QueueCallerAbandon":
            q.callers = max(0, q.callers - 1)
        elif kind == "AgentComplete":
            member = q.members.get(event.get("MemberName", ""))
            if member is not None:
                member.last_call = time.time()  # AgentComplete carries no LastCall

    @staticmethod
    def _apply_member(q: _Queue, event: Message) -> None:
        code = event.get("MemberName") or event.get("Name") or ""
        if not code:
            return
        m = q.members.setdefault(code, _Member())
        m.paused = event.get("Paused", "0") == "1"
        m.status = event.get("Status", m.status)
        m.in_call = event.get("InCall", "0") == "1"
        m.last_call = _num(event, "LastCall") or m.last_call
        m.login_time = _num(event, "LoginTime") or m.login_time
        m.last_pause = _num(event, "LastPause") or m.last_pause
        m.wrapup = int(_num(event, "Wrapuptime"))
