"""The wallboard's live tiles, computed from the tracker's views (pure, no I/O).

Per queue and for all the queues shown together: callers waiting, the longest wait (with the
time the oldest caller joined, so a page can keep counting), and the agents by state:

=============  ==============================================================================
logged_in      members of the queue (logged in, or static members)
available      members idle and not paused in this queue: the next call can ring them
ringing        a member's phone rings (a call of any queue)
on_call        a member talks or holds (any call)
wrap_up        after-call work (its queue's wrap-up time after a call)
paused         paused in this queue (with a reason), and not on a call or ringing
logged_out     agents the configuration puts in the queue who are not members now
=============  ==============================================================================

An agent in several queues counts in each of them, and once in the total. Seats follow the
tracker's precedence: on a call > ringing > paused > wrap-up > idle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from controller.ami.tracker import QueueView, SeatView

STATES = ("available", "ringing", "on_call", "wrap_up", "paused")
TOTAL = ""  # the key of the row that adds the queues shown up


@dataclass(frozen=True, slots=True)
class AgentCounts:
    logged_in: int = 0
    available: int = 0
    ringing: int = 0
    on_call: int = 0
    wrap_up: int = 0
    paused: int = 0
    logged_out: int = 0


@dataclass(frozen=True, slots=True)
class Tile:
    queue: str  # "" for the total
    waiting: int
    longest_wait_s: float
    oldest_joined_at: float | None  # when the longest-waiting caller joined (server epoch)
    agents: AgentCounts = field(default_factory=AgentCounts)


def member_state(seat: SeatView | None, paused_here: bool) -> str:
    """One member's state in one queue."""
    state = seat.state if seat is not None else "idle"
    if state in ("on_call", "ringing"):
        return state
    if paused_here:
        return "paused"
    if state == "wrap_up":
        return "wrap_up"
    return "available"


def _counts(states: Iterable[str], logged_out: int) -> AgentCounts:
    found = list(states)
    return AgentCounts(
        logged_in=len(found),
        logged_out=logged_out,
        **{name: found.count(name) for name in STATES},
    )


def _total_state(seat: SeatView | None, paused: list[bool]) -> str:
    """An agent across queues: paused when paused in every queue of theirs shown here."""
    return member_state(seat, bool(paused) and all(paused))


def board(
    queues: Iterable[QueueView],
    seats: Mapping[str, SeatView],
    serving: Mapping[str, frozenset[str]],
    now: float,
) -> list[Tile]:
    """The tiles of ``queues`` (already narrowed to what the viewer may see), then the total.

    ``serving``: queue name -> the agents the configuration puts in it (for logged out).
    """
    tiles: list[Tile] = []
    member_pauses: dict[str, list[bool]] = {}
    configured: set[str] = set()
    waits: list[float] = []
    waiting = 0
    for view in sorted(queues, key=lambda q: q.name):
        members = {m.agent: m for m in view.members}
        for agent, member in members.items():
            member_pauses.setdefault(agent, []).append(member.paused)
        expected = serving.get(view.name, frozenset())
        configured |= expected
        states = (member_state(seats.get(a), m.paused) for a, m in members.items())
        longest = max((c.wait_s for c in view.callers), default=0.0)
        tiles.append(
            Tile(
                view.name,
                len(view.callers),
                longest,
                now - longest if view.callers else None,
                _counts(states, len(expected - set(members))),
            )
        )
        waiting += len(view.callers)
        waits += [c.wait_s for c in view.callers]
    longest = max(waits, default=0.0)
    total_states = (_total_state(seats.get(a), p) for a, p in member_pauses.items())
    tiles.append(
        Tile(
            TOTAL,
            waiting,
            longest,
            now - longest if waits else None,
            _counts(total_states, len(configured - set(member_pauses))),
        )
    )
    return tiles


def serving_by_queue(queues_by_agent: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """agent -> queues (the directory) turned into queue -> agents."""
    found: dict[str, set[str]] = {}
    for agent, queues in queues_by_agent.items():
        for queue in queues:
            found.setdefault(queue, set()).add(agent)
    return {queue: frozenset(agents) for queue, agents in found.items()}
