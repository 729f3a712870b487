"""The wallboard's tiles from live views: agents by state per queue and once in the total."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.ami.decode import decode
from controller.ami.replay import LIST_COMPLETE, SnapshotBuilder, messages
from controller.ami.tracker import QueueView, SeatView, Tracker, to_json
from controller.ami.tracker.views import CallerView, MemberView
from controller.web.board import (
    AgentCounts,
    LiveViews,
    board,
    member_state,
    serving_by_queue,
    tile_json,
)

NOW = 1_000.0
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ami"


def _queue(name: str, members: dict[str, bool], waits: tuple[float, ...] = ()) -> QueueView:
    callers = tuple(
        CallerView(f"u{i}", f"l{i}", i + 1, "", "", wait, 0) for i, wait in enumerate(waits)
    )
    return QueueView(
        name, "rrmemory", 20, 0, 0, len(members), 0, max(waits, default=0.0), 0, 0, 0, callers,
        tuple(MemberView(a, f"Local/{a}", "", 0, 1, False, paused, "", 0, 0)
              for a, paused in members.items()),
    )  # fmt: skip


def _seat(agent: str, state: str, queues: tuple[str, ...]) -> SeatView:
    return SeatView(agent, state, "", NOW - 5, 5.0, f"PJSIP/{agent}", queues, None)


def test_a_members_state_in_one_queue() -> None:
    assert member_state(None, paused_here=False) == "available"  # a static member
    assert member_state(_seat("1", "on_call", ()), paused_here=True) == "on_call"
    assert member_state(_seat("1", "ringing", ()), paused_here=True) == "ringing"
    assert member_state(_seat("1", "paused", ()), paused_here=True) == "paused"
    # Paused in another queue only: this queue can still ring them.
    assert member_state(_seat("1", "paused", ()), paused_here=False) == "available"
    assert member_state(_seat("1", "wrap_up", ()), paused_here=False) == "wrap_up"
    assert member_state(_seat("1", "idle", ()), paused_here=False) == "available"


def test_tiles_per_queue_and_the_total_counts_each_agent_once() -> None:
    sales = _queue("sales", {"8001": False, "8002": True, "8003": False}, waits=(12.5, 40.0))
    support = _queue("support", {"8003": False, "8004": False}, waits=(3.0,))
    seats = {
        "8001": _seat("8001", "on_call", ("sales",)),
        "8002": _seat("8002", "paused", ("sales",)),
        "8003": _seat("8003", "ringing", ("sales", "support")),
        "8004": _seat("8004", "wrap_up", ("support",)),
    }
    serving = {"sales": frozenset({"8001", "8002", "8003", "8005"}),
               "support": frozenset({"8003", "8004", "8006"})}  # fmt: skip
    tiles = {t.queue: t for t in board([support, sales], seats, serving, NOW)}
    assert list(tiles) == ["sales", "support", ""]
    assert (tiles["sales"].waiting, tiles["sales"].longest_wait_s) == (2, 40.0)
    assert tiles["sales"].oldest_joined_at == NOW - 40.0
    assert tiles["sales"].agents == AgentCounts(
        logged_in=3, available=0, ringing=1, on_call=1, wrap_up=0, paused=1, logged_out=1
    )
    assert tiles["support"].agents == AgentCounts(
        logged_in=2, available=0, ringing=1, on_call=0, wrap_up=1, paused=0, logged_out=1
    )
    total = tiles[""]
    assert (total.waiting, total.longest_wait_s) == (3, 40.0)
    assert total.agents == AgentCounts(
        logged_in=4, available=0, ringing=1, on_call=1, wrap_up=1, paused=1, logged_out=2
    )


def test_an_empty_queue_has_no_oldest_caller() -> None:
    (tile, total) = board([_queue("sales", {})], {}, {}, NOW)
    assert (tile.waiting, tile.longest_wait_s, tile.oldest_joined_at) == (0, 0.0, None)
    assert total.oldest_joined_at is None


def test_an_agent_paused_in_one_of_two_queues_is_available_in_the_total() -> None:
    sales = _queue("sales", {"8003": True})
    support = _queue("support", {"8003": False})
    seats = {"8003": _seat("8003", "paused", ("sales", "support"))}
    tiles = {t.queue: t for t in board([sales, support], seats, {}, NOW)}
    assert (tiles["sales"].agents.paused, tiles["support"].agents.available) == (1, 1)
    assert (tiles[""].agents.available, tiles[""].agents.paused) == (1, 0)


def test_serving_by_queue_inverts_the_directory() -> None:
    found = serving_by_queue({"8001": frozenset({"sales"}), "8003": frozenset({"sales", "b"})})
    assert found == {"sales": frozenset({"8001", "8003"}), "b": frozenset({"8003"})}


def test_a_tile_as_json_is_what_to_json_makes_of_it() -> None:
    sales = _queue("sales", {"8001": False, "8002": True}, waits=(12.5,))
    seats = {"8001": _seat("8001", "on_call", ("sales",))}
    tiles = board([sales, _queue("support", {})], seats, {"sales": frozenset({"8009"})}, NOW)
    assert [tile_json(t) for t in tiles] == to_json(tiles)


@pytest.mark.parametrize("name", ["answered", "transfer", "abandon", "live", "pause"])
def test_boards_from_the_views_kept_between_reads_equal_boards_from_every_view(
    name: str,
) -> None:
    """A recorded call replayed event by event, the views read after every few events:
    what changed (the tracker's outbox) is enough to keep them equal to a full read."""
    tracker = Tracker("pbx1", queue_wrapup={"sales": 15})
    views = LiveViews(tracker)
    serving = {"sales": frozenset({"8001", "8002", "8003", "8009"})}
    clock, pending, compared = 1_795_468_000.0, None, 0
    for n, message in enumerate(messages((FIXTURES / f"{name}.ami").read_bytes())):
        clock += 0.25  # callers' waits grow between reads
        fields = message.fields
        if "ActionID" in fields and "Event" in fields:  # a resync's lists, as replay() does
            pending = pending or SnapshotBuilder(clock)
            if fields["Event"] == LIST_COMPLETE:
                tracker.resync(pending.build(clock))
                pending = None
            else:
                pending.add(message, clock)
        elif (event := decode(message, clock)) is not None:
            tracker.apply(event)
        outbox = tracker.drain()
        views.changed(outbox.queues, outbox.agents)
        if n % 3 == 0:
            now = tracker.now
            queues, seats = views.read(now)
            every = {s.agent: s for s in tracker.seats(now)}
            assert board(queues, seats, serving, now) == board(
                tracker.queues(now), every, serving, now
            )
            compared += 1
    assert compared > 5
