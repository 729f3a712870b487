"""Live state as routing sees it: a small read-only protocol, and a plain implementation.

:class:`LiveView` is all :func:`controller.routing.decide.decide_inbound` needs to know about
the call center right now. Whoever tracks Asterisk implements it
(:class:`controller.ami.routing_view.TrackerLiveView` over the AMI tracker; the decision never
cares which). Implementations must answer from memory,
without I/O: they are called inside a routing decision.

Times are epoch seconds (what AMI reports in ``LastCall``/``LoginTime``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

DEFAULT_TALK_SECONDS = 180.0  # before a queue has answered calls, assume 3 minutes each


@dataclass(frozen=True, slots=True)
class AgentLive:
    code: str
    queues: Mapping[str, bool]  # queue the agent is logged into -> paused there
    in_use: bool  # on a call, ringing, or otherwise busy (device state)
    idle_since: float  # last call end, login or unpause (epoch seconds); 0: unknown
    wrapup_until: float = 0.0  # after-call work ends (epoch seconds)

    @property
    def logged_in(self) -> bool:
        return bool(self.queues)

    def ready_in(self, queue: str) -> bool:
        return queue in self.queues and not self.queues[queue]

    def available(self, now: float) -> bool:
        """Logged in, not paused everywhere, not busy, not in after-call work."""
        return (
            not self.in_use
            and now >= self.wrapup_until
            and any(not paused for paused in self.queues.values())
        )


@dataclass(frozen=True, slots=True)
class QueueLive:
    name: str
    callers: int  # waiting now (callback placeholders included)
    logged_in: int  # members logged in (paused or not)
    ready: int  # logged in and not paused
    free: int  # ready and not on a call right now
    talk_seconds: float = 0.0  # average talk time of answered calls, 0: unknown
    hold_seconds: float = 0.0  # average wait of answered calls, 0: unknown


def estimated_wait(queue: QueueLive | None, ahead: int | None = None) -> float:
    """Seconds a caller joining now (or with ``ahead`` callers in front) will wait.

    A free agent takes the caller at once. Otherwise the callers in front, and the caller,
    are served by the ready agents in parallel, each call lasting the queue's average talk
    time. Without ready agents the wait has no bound (``inf``); an unknown queue (no live
    data) counts as unbounded too: we cannot promise a short wait.
    """
    if queue is None:
        return math.inf
    ahead = queue.callers if ahead is None else ahead
    if queue.ready <= 0:
        return math.inf
    if ahead < queue.free:
        return 0.0
    talk = queue.talk_seconds or DEFAULT_TALK_SECONDS
    estimate = (ahead + 1 - queue.free) * talk / queue.ready
    return max(estimate, queue.hold_seconds if ahead else 0.0)


@runtime_checkable
class LiveView(Protocol):
    """What routing reads about the call center right now. Answers from memory only."""

    def agent(self, code: str) -> AgentLive | None:
        """The agent's live state; None when Asterisk does not know them (logged out)."""
        ...

    def queue(self, name: str) -> QueueLive | None:
        """The queue's live state; None when unknown (no data yet, or no such queue)."""
        ...

    @property
    def fresh(self) -> bool:
        """False while the source is disconnected or not yet synchronised: decisions
        then use no live state (no sticky ring, no callback offer)."""
        ...


@dataclass
class StaticLiveView:
    """A LiveView over plain dictionaries: for tests, benchmarks, and the classic AGI
    script (which has no live state at all: ``StaticLiveView()``)."""

    agents: dict[str, AgentLive] = field(default_factory=dict)
    queues: dict[str, QueueLive] = field(default_factory=dict)
    is_fresh: bool = True

    def agent(self, code: str) -> AgentLive | None:
        return self.agents.get(code)

    def queue(self, name: str) -> QueueLive | None:
        return self.queues.get(name)

    @property
    def fresh(self) -> bool:
        return self.is_fresh and bool(self.agents or self.queues)
