"""Who may do what, decided without I/O: :class:`Principal` + :func:`allows`.

A principal is a signed-in user or a machine token. It carries its role's scope patterns, the
queues it is narrowed to (``None``: all queues) and, for an agent, its agent code. Every
decision is one of:

- ``allows(p, scope)``: the scope at all (any queue, or the principal's own things);
- ``allows(p, scope, on=Target(...))``: the scope on one thing (a call, a queue, an agent):
  granted in full and the thing is in the principal's queues, or granted as ``me.`` and the
  thing is the principal's own (the agent is on the call, it is the agent's seat).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from controller.access.scopes import OWNABLE, Scope, grants


@dataclass(frozen=True, slots=True)
class Principal:
    kind: str  # user, token
    name: str  # the user's login or the token's name
    role: str
    patterns: frozenset[str]
    queues: frozenset[str] | None = None  # None: every queue
    agent: str | None = None  # the agent a user is
    user_id: int | None = None
    language: str = "zh"
    display_name: str = ""

    def describe(self) -> str:
        return f"{self.kind} {self.name!r} (role {self.role})"


@dataclass(frozen=True, slots=True)
class Target:
    """What an action is on. For a call: its queues and the agents on it; for a queue: its
    name; for an agent: the code and the queues the agent serves."""

    queues: frozenset[str] = frozenset()
    agents: frozenset[str] = frozenset()
    # A call or agent in no queue at all (an internal call, an agent of no queue) is in the
    # scope of principals narrowed to queues only through its agents' queues.
    agent_queues: frozenset[str] = field(default_factory=frozenset)


def in_queues(principal: Principal, target: Target) -> bool:
    if principal.queues is None:
        return True
    return bool(principal.queues & (target.queues | target.agent_queues))


def own(principal: Principal, target: Target) -> bool:
    return principal.agent is not None and principal.agent in target.agents


@functools.lru_cache(maxsize=4096)
def _granted(patterns: frozenset[str], scope: str) -> bool:
    return grants(patterns, scope)


def _grants(patterns: Iterable[str], scope: str) -> bool:
    """:func:`grants`, remembered for a principal's (frozen) patterns: the websocket asks it
    for every changed call and every audience, many times a second."""
    if isinstance(patterns, frozenset):
        return _granted(patterns, scope)
    return grants(patterns, scope)


def allows(principal: Principal, scope: Scope, on: Target | None = None) -> bool:
    full = _grants(principal.patterns, scope.value)
    mine = scope in OWNABLE and _grants(principal.patterns, scope.own)
    if on is None:
        return full or (mine and principal.agent is not None)
    return (full and in_queues(principal, on)) or (mine and own(principal, on))


def allows_any(principal: Principal, scopes: Iterable[Scope], on: Target | None = None) -> bool:
    return any(allows(principal, scope, on) for scope in scopes)


def queue_visible(principal: Principal, queue: str) -> bool:
    return principal.queues is None or queue in principal.queues
