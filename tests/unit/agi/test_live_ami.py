"""The AMI-fed live view: QueueStatus snapshots, then events."""

from __future__ import annotations

import pytest
import pytest_asyncio

from controller.agi.live_ami import AmiLiveView
from controller.ami.protocol import Message
from controller.routing.live import LiveView


def msg(**fields: str) -> Message:
    return Message(list(fields.items()))


class FakeSession:
    def __init__(self, events: list[Message]) -> None:
        self.events = events

    async def list_action(self, name: str, **fields: str) -> list[Message]:
        assert name == "QueueStatus"
        return self.events


SNAPSHOT = [
    msg(Event="QueueParams", Queue="sales", Calls="2", Holdtime="35", TalkTime="140"),
    msg(Event="QueueMember", Queue="sales", Name="8001", Status="1", Paused="0", InCall="0",
        LastCall="1000", LoginTime="900", LastPause="0"),
    msg(Event="QueueMember", Queue="sales", Name="8002", Status="2", Paused="0", InCall="1",
        LastCall="0", LoginTime="950"),
    msg(Event="QueueMember", Queue="sales", Name="8003", Status="1", Paused="1", InCall="0"),
    msg(Event="QueueParams", Queue="support", Calls="0", Holdtime="0", TalkTime="0"),
    msg(Event="QueueMember", Queue="support", Name="8001", Status="1", Paused="1", InCall="0"),
    msg(Event="QueueEntry", Queue="sales", Position="1", Uniqueid="1.1"),
]  # fmt: skip


@pytest_asyncio.fixture
async def view() -> AmiLiveView:
    live = AmiLiveView(wrapup_of=lambda queue: 15 if queue == "sales" else 0)
    assert not live.fresh
    await live.resync(FakeSession(SNAPSHOT))  # type: ignore[arg-type]
    return live


@pytest.mark.asyncio(loop_scope="function")
async def test_snapshot(view: AmiLiveView) -> None:
    assert isinstance(view, LiveView)
    assert view.fresh
    sales = view.queue("sales")
    assert sales is not None
    assert (sales.callers, sales.logged_in, sales.ready, sales.free) == (2, 3, 2, 1)
    assert (sales.talk_seconds, sales.hold_seconds) == (140.0, 35.0)
    agent = view.agent("8001")
    assert agent is not None
    assert agent.queues == {"sales": False, "support": True}
    assert agent.idle_since == 1000.0
    assert agent.wrapup_until == 1015.0  # the queue's wrap-up after the last call
    assert agent.available(now=1016.0)
    assert not agent.available(now=1010.0)
    busy = view.agent("8002")
    assert busy is not None
    assert busy.in_use
    assert view.agent("9999") is None
    assert view.queue("nope") is None


@pytest.mark.asyncio(loop_scope="function")
async def test_events_keep_it_current(view: AmiLiveView) -> None:
    view.on_event(msg(Event="QueueMemberStatus", Queue="sales", MemberName="8002", Status="1",
                      Paused="0", InCall="0", LastCall="1100"))  # fmt: skip
    agent = view.agent("8002")
    assert agent is not None
    assert not agent.in_use
    view.on_event(msg(Event="QueueMemberPause", Queue="sales", MemberName="8002", Paused="1"))
    assert view.agent("8002").queues == {"sales": True}  # type: ignore[union-attr]
    view.on_event(msg(Event="QueueCallerJoin", Queue="sales", Count="3"))
    assert view.queue("sales").callers == 3  # type: ignore[union-attr]
    view.on_event(msg(Event="QueueCallerAbandon", Queue="sales"))
    assert view.queue("sales").callers == 2  # type: ignore[union-attr]
    view.on_event(msg(Event="QueueMemberRemoved", Queue="sales", MemberName="8002"))
    assert view.agent("8002") is None
    view.on_event(msg(Event="QueueMemberAdded", Queue="support", MemberName="8004", Status="1",
                      Paused="0", InCall="0", LoginTime="2000"))  # fmt: skip
    assert view.agent("8004").available(now=2001)  # type: ignore[union-attr]
    view.on_event(msg(Event="Newchannel", Channel="PJSIP/x"))  # not ours: ignored
    view.disconnected()
    assert not view.fresh
