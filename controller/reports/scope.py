"""Whose figures a report may show: the principal's queues and agents, and the filters asked.

A supervisor or report viewer narrowed to queues sees those queues, and the agents serving
them; an agent-role principal sees only its own figures (the reports that have such figures:
see ``ReportSpec.agent_may_see`` in :mod:`controller.reports.registry`). The filters asked on
the command line or in the API (``--queue``, ``--agent``) narrow this further; asking for a
queue or an agent outside it is refused by the caller with a message naming it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Audience:
    """What the reader may see. ``None``: everything of that kind."""

    queues: frozenset[str] | None = None
    agents: frozenset[str] | None = None
    own_agent: str | None = None  # an agent-role reader: only this agent's figures

    @classmethod
    def everything(cls) -> Audience:
        return cls()


class OutOfScope(ValueError):
    """A filter names a queue or an agent the reader may not see."""


@dataclass(frozen=True, slots=True)
class Selection:
    """The queues and agents one report run covers (``None``: all there are)."""

    queues: frozenset[str] | None
    agents: frozenset[str] | None

    @classmethod
    def of(
        cls, audience: Audience, queues: Collection[str] = (), agents: Collection[str] = ()
    ) -> Selection:
        """The filters asked, within what the audience may see."""
        wanted_q = frozenset(queues) or None
        wanted_a = frozenset(agents) or None
        if audience.own_agent is not None:
            if wanted_a is not None and wanted_a != {audience.own_agent}:
                other = sorted(wanted_a - {audience.own_agent})[0]
                raise OutOfScope(f"agent {other!r} is not yours to see")
            return cls(None if wanted_q is None else wanted_q, frozenset({audience.own_agent}))
        if audience.queues is not None and wanted_q is not None:
            outside = sorted(wanted_q - audience.queues)
            if outside:
                raise OutOfScope(f"queue {outside[0]!r} is outside the queues you may see")
        if audience.agents is not None and wanted_a is not None:
            outside = sorted(wanted_a - audience.agents)
            if outside:
                raise OutOfScope(f"agent {outside[0]!r} is outside the agents you may see")
        return cls(
            wanted_q if wanted_q is not None else audience.queues,
            wanted_a if wanted_a is not None else audience.agents,
        )
