"""LiveState: events that arrive while the resync lists stream are applied after them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from controller.ami.live import LiveState
from controller.ami.protocol import Message
from controller.ami.tracker import Outbox, Tracker

pytestmark = pytest.mark.asyncio


def message(**fields: str) -> Message:
    return Message(list(fields.items()))


class ListingClient:
    """Answers the four resync lists; while listing channels, a Hangup event arrives."""

    def __init__(self, live: LiveState) -> None:
        self.live = live
        self.booted = asyncio.Event()
        self.booted.set()

    async def list_action(self, name: str, **fields: Any) -> list[Message]:
        if name != "CoreShowChannels":
            return []
        # The channel hangs up after Asterisk listed it, before the list reached us.
        self.live.on_message(
            message(Event="Hangup", Channel="PJSIP/1001-1", Uniqueid="u1", Linkedid="u1",
                    Cause="16"),
            200.0,
        )  # fmt: skip
        return [
            message(Event="CoreShowChannel", ActionID="a", Channel="PJSIP/1001-1", Uniqueid="u1",
                    Linkedid="u1", ChannelState="6", Duration="00:00:30", BridgeId=""),
        ]  # fmt: skip


async def test_events_during_the_lists_are_applied_after_the_snapshot() -> None:
    tracker = Tracker()
    live = LiveState(tracker, clock=lambda: 100.0)
    boxes: list[Outbox] = []
    live.sinks.append(boxes.append)
    await live.resync(ListingClient(live))  # type: ignore[arg-type]
    assert live.synced.is_set()
    assert tracker.calls() == []  # listed, then hung up: not left live
    await asyncio.sleep(0)  # the flush runs on the next loop turn
    assert [c.linkedid for box in boxes for c in box.finished] == ["u1"]


async def test_a_failing_sink_does_not_stop_the_others() -> None:
    tracker = Tracker()
    live = LiveState(tracker)
    got: list[Outbox] = []

    def broken(_box: Outbox) -> None:
        raise RuntimeError("sink bug")

    live.sinks += [broken, got.append]
    live.on_message(
        message(Event="Newchannel", Channel="PJSIP/1-1", Uniqueid="x", Linkedid="x"), 1.0
    )
    await asyncio.sleep(0)
    assert got
    assert got[0].calls == {"x"}


class LiveChannelClient:
    """Lists one live channel ("c1", talking) and nothing else."""

    connected = True

    def __init__(self) -> None:
        self.booted = asyncio.Event()
        self.booted.set()

    async def list_action(self, name: str, **fields: Any) -> list[Message]:
        if name != "CoreShowChannels":
            return []
        return [
            message(Event="CoreShowChannel", ActionID="a", Channel="PJSIP/1001-1", Uniqueid="c1",
                    Linkedid="c1", ChannelState="6", Duration="00:00:30", BridgeId=""),
        ]  # fmt: skip


class FakeRecovery:
    settle = 0.0

    def __init__(self, watermark: float | None, error: str | None = None) -> None:
        self.watermark = watermark
        self.error = error
        self.runs: list[tuple[float | None, float]] = []

    async def run(self, tracker: Tracker, snapshot: Any, until: float, since: float | None) -> Any:
        self.runs.append((since, until))
        return self

    @property
    def last(self) -> Any:
        return self


async def test_the_gap_since_the_last_event_seen_is_recovered_at_each_login() -> None:
    clock = [100.0]
    tracker = Tracker()
    live = LiveState(tracker, clock=lambda: clock[0])
    recovery = FakeRecovery(watermark=50.0)
    live.recovery = recovery
    client = LiveChannelClient()
    await live.resync(client)  # type: ignore[arg-type]
    assert recovery.runs == [(50.0, 100.0)]  # a new process: from the journal's watermark
    live.note_coverage()
    assert live.covered_until == 100.0
    live.on_message(message(Event="Newstate", Channel="PJSIP/1001-1", Uniqueid="c1",
                            Linkedid="c1", ChannelState="6", Timestamp="100.5"), 100.5)  # fmt: skip
    await live.resync(client, after_login=False)  # the periodic resync: no gap, no recovery
    assert len(recovery.runs) == 1
    clock[0] = 130.0
    await live.resync(client)  # a reconnect: from the last event it saw
    assert recovery.runs[-1] == (100.5, 130.0)
    assert tracker.call("c1") is not None
    assert tracker._st.calls["c1"].source == "partial"


async def test_calls_across_a_gap_nothing_recovered_are_partial() -> None:
    tracker = Tracker()
    live = LiveState(tracker, clock=lambda: 100.0)
    live.on_message(message(Event="Newchannel", Channel="PJSIP/1001-1", Uniqueid="c1",
                            Linkedid="c1"), 90.0)  # fmt: skip
    live.recovery = FakeRecovery(watermark=None, error="no CEL file")
    await live.resync(LiveChannelClient())  # type: ignore[arg-type]
    assert tracker._st.calls["c1"].source == "partial"
