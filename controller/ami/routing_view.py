"""The tracker as routing's :class:`~controller.routing.live.LiveView` (answers from memory).

``pbxctl serve`` hands this to the FastAGI service, so routing decisions (sticky agent,
callback offers, estimated waits) read the same live model the API shows, instead of a
second AMI connection with its own queue tracking.
"""

from __future__ import annotations

from collections.abc import Callable

from controller.ami.tracker import Tracker
from controller.routing.live import AgentLive, QueueLive

BUSY_STATES = frozenset({"on_call", "ringing"})


class TrackerLiveView:
    def __init__(self, tracker: Tracker, is_fresh: Callable[[], bool]) -> None:
        self._tracker = tracker
        self._is_fresh = is_fresh

    def agent(self, code: str) -> AgentLive | None:
        seat = self._tracker.seat(code)
        if seat is None or not seat.queues:
            return None
        paused = set(seat.paused_in)
        return AgentLive(
            code=code,
            queues={queue: queue in paused for queue in seat.queues},
            in_use=seat.state in BUSY_STATES,
            idle_since=seat.idle_since,
            wrapup_until=seat.wrapup_until,
        )

    def queue(self, name: str) -> QueueLive | None:
        view = self._tracker.queue(name)
        if view is None:
            return None
        return QueueLive(
            name=name,
            callers=len(view.callers),
            logged_in=view.logged_in,
            ready=view.ready,
            free=view.available,
            talk_seconds=float(view.talktime_s),
            hold_seconds=float(view.holdtime_s),
        )

    @property
    def fresh(self) -> bool:
        return self._is_fresh()
