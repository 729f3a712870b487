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
        channel_agents = tuple(c.agent for c in view.channels if c.agent is not None)
        return self.people_target(view.agents, channel_agents, view.queue)

    def people_target(
        self, talking: tuple[str, ...], channel_agents: tuple[str, ...], queue: str | None
    ) -> Target:
        """A call's target from who is on it (``Tracker.call_people``: the view's ``agents``,
        its channels' agents, its ``queue``), so a call can be decided without its view."""
        agents = frozenset(talking) | frozenset(channel_agents)
        return Target(
            queues=frozenset([queue] if queue else []),
            agents=agents,
            agent_queues=self.directory.queues_of(agents),
        )

    def agent_target(self, code: str) -> Target:
        agents = frozenset({code})
        return Target(agents=agents, agent_queues=self.directory.queues_of(agents))

    def call(self, who: Principal, view: CallView) -> bool:
        return allows(who, Scope.CALLS_READ, on=self.call_target(view))

    def call_of(
        self,
        who: Principal,
        people: tuple[tuple[str, ...], tuple[str, ...], str | None],
    ) -> bool:
        """:meth:`call` from ``Tracker.call_people(linkedid)`` instead of the view (the hub
        decides every changed call for every audience; most are not shown to any)."""
        return allows(who, Scope.CALLS_READ, on=self.people_target(*people))

    def seat_of(self, who: Principal, agent: str) -> bool:
        """:meth:`seat` from the agent's code alone (a seat's view is built only if shown)."""
        return allows(who, Scope.AGENTS_READ, on=self.agent_target(agent))

    def seat(self, who: Principal, seat: SeatView) -> bool:
        return self.seat_of(who, seat.agent)

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
