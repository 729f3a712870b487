"""The wallboard's tiles from live views: agents by state per queue and once in the total."""

from __future__ import annotations

from controller.ami.tracker import QueueView, SeatView
from controller.ami.tracker.views import CallerView, MemberView
from controller.web.board import AgentCounts, board, member_state, serving_by_queue

NOW = 1_000.0


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
