"""Which queues each agent serves (from the configuration): a supervisor of a queue may see and
act on the agents who serve it and on their calls, also calls that reached no queue (a
customer rung straight through to their usual agent)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from controller.agents.store import agent_queues


@dataclass(frozen=True)
class AgentDirectory:
    queues_by_agent: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> AgentDirectory:
        return cls(agent_queues(session))

    def queues_of(self, agents: frozenset[str] | tuple[str, ...]) -> frozenset[str]:
        found: set[str] = set()
        for code in agents:
            found |= self.queues_by_agent.get(code, frozenset())
        return frozenset(found)

    def agents_of(self, queues: frozenset[str]) -> frozenset[str]:
        return frozenset(a for a, served in self.queues_by_agent.items() if served & queues)
