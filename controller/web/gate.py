"""What one principal may see of the live views: the API's lists and the websocket's
messages ask the same :class:`Gate`, so they cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass, replace

from controller.access.directory import AgentDirectory
from controller.access.policy import Principal, Target, allows, allows_any, queue_visible
from controller.access.scopes import Scope
from controller.ami.tracker import CallView, QueueView, SeatView


@dataclass(frozen=True)
class Gate:
    """What one principal may see of live views (the websocket uses it per message)."""

    directory: AgentDirectory

    def call_target(self, view: CallView) -> Target:
        agents = frozenset(view.agents) | frozenset(
            c.agent for c in view.channels if c.agent is not None
        )
        return Target(
            queues=frozenset([view.queue] if view.queue else []),
            agents=agents,
            agent_queues=self.directory.queues_of(agents),
        )

    def agent_target(self, code: str) -> Target:
        agents = frozenset({code})
        return Target(agents=agents, agent_queues=self.directory.queues_of(agents))

    def call(self, who: Principal, view: CallView) -> bool:
        return allows(who, Scope.CALLS_READ, on=self.call_target(view))

    def seat(self, who: Principal, seat: SeatView) -> bool:
        return allows(who, Scope.AGENTS_READ, on=self.agent_target(seat.agent))

    def queue(self, who: Principal, view: QueueView) -> QueueView | None:
        """The queue as ``who`` may see it (a wallboard: callers counted, not named)."""
        if not allows_any(who, (Scope.QUEUES_READ, Scope.WALLBOARD_READ)):
            return None
        if not queue_visible(who, view.name):
            return None
        return view if allows(who, Scope.QUEUES_READ) else redacted(view)

    def screen_pop(self, who: Principal, agent: str) -> bool:
        return allows(who, Scope.SCREEN_POPS, on=self.agent_target(agent))


def redacted(queue: QueueView) -> QueueView:
    callers = tuple(replace(c, caller_num="", caller_name="") for c in queue.callers)
    return replace(queue, callers=callers)
