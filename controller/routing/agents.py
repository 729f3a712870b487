"""Choosing a person: sticky routing (owner or last agent) and skills with longest idle.

Both answer "ring this agent first, for a few seconds, then the queue". Pure functions of
the rules snapshot and the live view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from controller.routing.live import LiveView
from controller.routing.rules import QueueRule, Rules


class AgentChoice(StrEnum):
    OWNER = "owner"  # the customer's account manager
    LAST = "last"  # the agent who last talked to this caller
    SKILLS = "skills"  # the best qualified, longest idle member of the queue


@dataclass(frozen=True, slots=True)
class AgentPick:
    agent: str
    reason: AgentChoice
    ring_seconds: int
    then_queue: str | None  # where the call goes if the agent does not answer


def qualified(skills: Mapping[str, int], required: Mapping[str, int]) -> bool:
    """Every required skill at its minimum level or better."""
    return all(skills.get(name, 0) >= level for name, level in required.items())


def fallback_queue(rules: Rules, agent: str, preferred: str | None) -> str | None:
    """The queue a sticky call falls back to: the one it was heading for, else the first
    queue that lists the agent."""
    if preferred is not None:
        return preferred
    queues = rules.agent_queues.get(agent, ())
    return queues[0] if queues else None


def pick_sticky(
    rules: Rules,
    live: LiveView,
    now: float,
    owner: str | None,
    last_agent: str | None,
    queue: str | None,
) -> AgentPick | None:
    """The owner, else the last agent, when logged in and free right now."""
    for code, reason in ((owner, AgentChoice.OWNER), (last_agent, AgentChoice.LAST)):
        if code is None or code not in rules.agents:
            continue
        state = live.agent(code)
        if state is None or not state.available(now):
            continue
        then = fallback_queue(rules, code, queue)
        ring = rules.queues[then].ring_seconds if then in rules.queues else 20
        return AgentPick(code, reason, ring, then)
    return None


def pick_by_skills(rules: Rules, live: LiveView, now: float, queue: QueueRule) -> AgentPick | None:
    """The queue member to offer the call first: qualified for the queue's required skills,
    ready in this queue and free; lowest penalty, then longest idle, then most skilled.

    Only when nobody waits in the queue: a caller already waiting must not be overtaken.
    """
    state = live.queue(queue.name)
    if state is None or state.callers > 0:
        return None
    best: tuple[int, float, int, str] | None = None
    for code, penalty in queue.members:
        agent = rules.agents.get(code)
        if agent is None or not qualified(agent.skills, queue.required_skills):
            continue
        member = live.agent(code)
        if member is None or not member.ready_in(queue.name) or not member.available(now):
            continue
        score = sum(agent.skills.get(name, 0) for name in queue.required_skills)
        key = (penalty, member.idle_since, -score, code)
        if best is None or key < best:
            best = key
    if best is None:
        return None
    return AgentPick(best[3], AgentChoice.SKILLS, queue.ring_seconds, queue.name)
