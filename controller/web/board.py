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

:class:`LiveViews` keeps the views the tiles are read from between two boards, so that a
board reads from the tracker only the queues and seats that changed since the last one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from controller.ami.tracker import QueueView, SeatView, Tracker

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


_COUNTS = tuple(f.name for f in fields(AgentCounts))


def tile_json(tile: Tile) -> dict[str, Any]:
    """``to_json(tile)`` without ``dataclasses.asdict``'s copying (ten times faster; boards
    go to every wallboard several times a second)."""
    counts = tile.agents
    return {
        "queue": tile.queue,
        "waiting": tile.waiting,
        "longest_wait_s": tile.longest_wait_s,
        "oldest_joined_at": tile.oldest_joined_at,
        "agents": {name: getattr(counts, name) for name in _COUNTS},
    }


class LiveViews:
    """The queue and seat views the tiles are computed from, kept from one board to the next.

    The first :meth:`read` takes every queue and seat from the tracker; later ones only the
    queues and agents the tracker named as changed since (:meth:`changed`, fed from its
    outbox), and the queues with callers waiting, whose waits grow without an event. A seat
    is read for its state alone, which only an event changes (the tracker then names the
    agent). So a board costs what changed, not the whole floor (104 seats: 2 ms -> ~0.1 ms).
    """

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self._queues: dict[str, QueueView] | None = None  # None: read everything next time
        self._seats: dict[str, SeatView] = {}
        self._changed_queues: set[str] = set()
        self._changed_agents: set[str] = set()

    def changed(self, queues: Iterable[str], agents: Iterable[str]) -> None:
        if self._queues is not None:
            self._changed_queues.update(queues)
            self._changed_agents.update(agents)

    def read(self, now: float) -> tuple[list[QueueView], dict[str, SeatView]]:
        """Every queue (by name) and every seat (by agent), as of ``now``."""
        tracker, found = self.tracker, self._queues
        if found is None:
            found = self._queues = {q.name: q for q in tracker.queues(now)}
            self._seats = {s.agent: s for s in tracker.seats(now)}
        else:
            names = self._changed_queues
            names.update(name for name, view in found.items() if view.callers)
            for name in names:
                view = tracker.queue(name, now)
                if view is None:
                    found.pop(name, None)
                else:
                    found[name] = view
            for code in self._changed_agents:
                seat = tracker.seat(code, now)
                if seat is None:
                    self._seats.pop(code, None)
                else:
                    self._seats[code] = seat
        self._changed_queues, self._changed_agents = set(), set()
        return [found[name] for name in sorted(found)], self._seats
