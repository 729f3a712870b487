"""The whole live side against the real Asterisk 22: `pbxctl serve`'s Controller with the
example company applied, agents without phones (Local channels) and callers made of Local
channels. Times are compared with Asterisk's own figures (AgentConnect HoldTime,
AgentComplete TalkTime, QueueCallerAbandon HoldTime), never with a wall-clock budget.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select

from controller.ami.protocol import Message
from controller.ami.session import AmiSession
from controller.db.engine import session_factory
from controller.db.models import AgentStateInterval, Call
from controller.dialplan.service import generated_dir
from controller.sandbox import AsteriskSandbox
from tests.integration.ami_lab import (
    TEST_CONTEXTS,
    agent_device,
    originate_caller,
)
from tests.integration.running import Running as Live
from tests.integration.running import example_company, running
from tests.integration.test_dialplan_apply import TOP_LEVEL

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]

FILES = {
    **TOP_LEVEL,
    "extensions.conf": TOP_LEVEL["extensions.conf"] + TEST_CONTEXTS,
    # AMI Atxfer runs the attended-transfer feature: it needs a feature code (docs/live.md).
    "features.conf": "[general]\n\n[featuremap]\natxfer => *2\n",
}


@pytest.fixture
def started(restart_asterisk: Callable[..., AsteriskSandbox]) -> Iterator[AsteriskSandbox]:
    return restart_asterisk(FILES)


@pytest_asyncio.fixture
async def live(started: AsteriskSandbox, tmp_path: Path) -> AsyncIterator[Live]:
    async with running(started, tmp_path, example_company) as center:
        # Every test here runs the tracker on the server-side filtered event stream.
        assert center.controller.client.filtered
        yield center


async def _finished(live: Live, linkedid: str) -> Call:
    return await live.history(linkedid)


async def test_queue_call_is_live_then_in_history_with_asterisks_wait_and_talk(live: Live) -> None:
    agents = live.controller.agents
    await agents.login("8001", agent_device("8001", 3))
    await live.until(
        "8001 idle", lambda: (s := live.controller.tracker.seat("8001")) and s.state == "idle"
    )
    await originate_caller(live.ami, "sales", wait=15, channel_id="itest-answered")
    talking = await live.until(
        "the call talking to 8001",
        lambda: (
            (c := live.controller.tracker.call("itest-answered")) and c.agents == ("8001",) and c
        ),
    )
    assert talking is not None
    calls = await live.get("/api/v1/calls")
    assert [c["linkedid"] for c in calls["calls"]] == ["itest-answered"]  # type: ignore[index]
    call = await _finished(live, "itest-answered")
    assert call.outcome == "answered"
    (leg,) = call.queue_legs
    (handling,) = call.handlings
    connect = live.event("AgentConnect", Linkedid="itest-answered")
    # The test's own AMI session may read AgentComplete after the controller wrote history.
    complete = await live.until(
        "AgentComplete", lambda: live.event("AgentComplete", Linkedid="itest-answered")
    )
    assert connect is not None
    assert isinstance(complete, Message)
    # Asterisk reports whole seconds; ours are milliseconds from the events' times.
    assert leg.wait_ms is not None
    assert abs(leg.wait_ms / 1000 - int(connect["HoldTime"])) <= 1.0
    assert handling.talk_end is not None
    talk_s = (handling.talk_end - handling.talk_start).total_seconds()
    assert abs(talk_s - int(complete["TalkTime"])) <= 1.5
    # Intermittently 'caller' (about 1 module run in 10, not reproduced alone): on failure,
    # show the order in which the call's channels entered, left and hung up.
    order = [
        (e.get("Event"), e.get("Channel"))
        for e in live.events
        if e.get("Linkedid") == "itest-answered"
        and e.get("Event") in ("BridgeEnter", "BridgeLeave", "Hangup", "VarSet")
        and (e.get("Event") != "VarSet" or "PBX_AGENT" in e.get("Variable", ""))
    ]
    connected = (leg.answered_by_agent, handling.agent_code, handling.ended_by)
    assert connected == ("8001", "8001", "agent"), (order, live.controller.client.connects)


async def test_abandoned_call(live: Live) -> None:
    agents = live.controller.agents
    await agents.login("8001", agent_device("8001", 3))
    await agents.pause("8001", "break")
    await originate_caller(live.ami, "sales", wait=3, channel_id="itest-abandon")
    call = await _finished(live, "itest-abandon")
    assert call.outcome == "abandoned"
    (leg,) = call.queue_legs
    abandon = await live.until(
        "QueueCallerAbandon", lambda: live.event("QueueCallerAbandon", Linkedid="itest-abandon")
    )
    assert isinstance(abandon, Message)
    assert leg.outcome == "abandoned"
    assert leg.wait_ms is not None
    assert abs(leg.wait_ms / 1000 - int(abandon["HoldTime"])) <= 1.0
    assert call.handlings == []


async def test_blind_transfer_between_agents_credits_each(live: Live) -> None:
    agents = live.controller.agents
    await agents.login("8001", agent_device("8001", 30))
    await agents.login("8002", agent_device("8002", 3))
    await agents.pause("8002", "meeting")  # so the queue offers the call to 8001
    await originate_caller(live.ami, "sales", wait=25, channel_id="itest-transfer")
    tracker = live.controller.tracker
    await live.until("8001 talking", lambda: (c := tracker.call("itest-transfer")) and c.agents)
    view = tracker.call("itest-transfer")
    assert view is not None
    phone = next(ch for ch in view.channels if ch.agent == "8001" and ch.bridge)
    status, body = await live.post(
        f"/api/v1/channels/{phone.uniqueid}/transfer",
        {"kind": "blind", "target": {"kind": "agent", "value": "8002"}},
    )
    assert status == 200, body
    await live.until(
        "8002 talking", lambda: (c := tracker.call("itest-transfer")) and "8002" in c.agents
    )
    call = await _finished(live, "itest-transfer")
    assert call.outcome == "transferred"
    handlings = sorted(call.handlings, key=lambda h: h.talk_start)
    assert [(h.agent_code, h.ended_by) for h in handlings] == [
        ("8001", "transfer"),
        ("8002", "agent"),
    ]
    # Asterisk's AgentComplete credits 8001 with the whole call; our history does not.
    complete = await live.until(
        "AgentComplete", lambda: live.event("AgentComplete", Linkedid="itest-transfer")
    )
    assert isinstance(complete, Message)
    assert complete["MemberName"] == "8001"


async def test_pause_and_unpause_with_a_reason(live: Live) -> None:
    tracker = live.controller.tracker
    status, _ = await live.post("/api/v1/agents/8003/login", {"device": agent_device("8003", 3)})
    assert status == 200
    # The login adds 8003 to each queue in turn: idle in the first before the second.
    await live.until(
        "8003 idle in sales and support",
        lambda: (
            (s := tracker.seat("8003"))
            and s.state == "idle"
            and set(s.queues) == {"sales", "support"}
        ),
    )
    status, body = await live.post("/api/v1/agents/8003/pause", {"reason": "lunch"})
    assert status == 200, body
    await live.until(
        "8003 paused",
        lambda: (s := tracker.seat("8003")) and (s.state, s.reason) == ("paused", "lunch"),
    )
    listed = await live.ami.list_action("QueueStatus", Queue="support")
    member = next(m for m in listed if m.get("Event") == "QueueMember" and m.get("Name") == "8003")
    assert (member["Paused"], member["PausedReason"]) == ("1", "lunch")
    status, _ = await live.post("/api/v1/agents/8003/unpause")
    assert status == 200
    await live.until("8003 idle again", lambda: tracker.seat("8003").state == "idle")  # type: ignore[union-attr]

    def paused_rows() -> list[AgentStateInterval]:
        with session_factory(live.controller.engine)() as session:
            return list(
                session.scalars(
                    select(AgentStateInterval).where(
                        AgentStateInterval.agent_code == "8003",
                        AgentStateInterval.state == "paused",
                        AgentStateInterval.ended_at.is_not(None),
                    )
                )
            )

    rows = await live.until("the pause in the history", paused_rows)
    assert [r.reason_code for r in rows] == ["lunch"]  # type: ignore[union-attr]


async def test_hold_from_the_api_is_counted_as_hold(live: Live) -> None:
    await live.controller.agents.login("8001", agent_device("8001", 8))
    await originate_caller(live.ami, "sales", wait=20, channel_id="itest-hold")
    tracker = live.controller.tracker
    await live.until("8001 talking", lambda: (c := tracker.call("itest-hold")) and c.agents)
    view = tracker.call("itest-hold")
    assert view is not None
    phone = next(ch for ch in view.channels if ch.agent == "8001" and ch.bridge)
    status, body = await live.post(f"/api/v1/channels/{phone.uniqueid}/hold")
    assert status == 200, body
    await live.until("on hold", lambda: tracker.call("itest-hold").state == "on_hold")  # type: ignore[union-attr]
    await asyncio.sleep(1.0)
    status, body = await live.post(f"/api/v1/channels/{phone.uniqueid}/unhold")
    assert status == 200, body
    await live.until("talking again", lambda: tracker.call("itest-hold").state == "talking")  # type: ignore[union-attr]
    call = await _finished(live, "itest-hold")
    (handling,) = [h for h in call.handlings if h.agent_code == "8001"]
    assert handling.hold_ms > 0
    assert len(handling.holds) == 1


async def test_asterisk_restart_reconnects_and_resyncs(live: Live) -> None:
    controller, tracker = live.controller, live.controller.tracker
    await controller.agents.login("8001", agent_device("8001", 30))
    await originate_caller(live.ami, "sales", wait=30, channel_id="itest-restart")
    await live.until("8001 talking", lambda: (c := tracker.call("itest-restart")) and c.agents)
    connects = controller.client.connects
    generated = {
        f"pbx-controller/{path.name}": path.read_text()
        for path in generated_dir(controller.settings).glob("*.conf")
    }
    await asyncio.to_thread(live.sandbox.restart, {**FILES, **generated})
    await live.until("reconnected", lambda: controller.client.connects > connects, within=60)
    await live.until("resynced", lambda: controller.live.resyncs >= 2)
    # The call died with Asterisk: it is finished in the history, not left live.
    call = await _finished(live, "itest-restart")
    assert call.outcome == "answered"
    assert tracker.call("itest-restart") is None
    # 8001's login lives in the database: the controller put it back into Asterisk.
    await live.until("8001 back in sales", lambda: (q := tracker.queue("sales")) and q.members)
    credentials = controller.client.credentials
    async with await AmiSession.open(credentials) as fresh:
        listed = await fresh.list_action("QueueStatus", Queue="sales")
        channels = await fresh.list_action("CoreShowChannels")
    members = {m["Name"] for m in listed if m.get("Event") == "QueueMember"}
    queue = tracker.queue("sales")
    assert queue is not None
    assert {m.agent for m in queue.members} == members == {"8001"}
    assert {ch.uniqueid for c in tracker.calls() for ch in c.channels} == {
        m["Uniqueid"] for m in channels
    }


async def test_recording_and_supervision_from_the_api(live: Live) -> None:
    await live.controller.agents.login("8001", agent_device("8001", 12))
    await originate_caller(live.ami, "sales", wait=20, channel_id="itest-spy")
    tracker = live.controller.tracker
    await live.until("8001 talking", lambda: (c := tracker.call("itest-spy")) and c.agents)
    view = tracker.call("itest-spy")
    assert view is not None
    phone = next(ch for ch in view.channels if ch.agent == "8001" and ch.bridge)
    status, body = await live.post(
        f"/api/v1/channels/{phone.uniqueid}/spy",
        {"mode": "whisper", "supervisor_device": "Local/t5-9000@test-agents"},
    )
    assert status == 202, body
    spy = await live.until("ChanSpyStart", lambda: live.event("ChanSpyStart"))
    assert spy["SpyeeChannel"] == phone.name  # type: ignore[index]
    status, body = await live.post(
        f"/api/v1/channels/{phone.uniqueid}/recording", {"action": "start"}
    )
    assert status == 200, body
    path = body["path"]  # type: ignore[index]
    assert path.endswith(f"/{phone.uniqueid}.wav")
    await live.until(
        "MixMonitorStart", lambda: live.event("MixMonitorStart", Uniqueid=phone.uniqueid)
    )
    await asyncio.sleep(1.0)
    status, _ = await live.post(f"/api/v1/channels/{phone.uniqueid}/recording", {"action": "stop"})
    assert status == 200
    await live.until(
        "MixMonitorStop", lambda: live.event("MixMonitorStop", Uniqueid=phone.uniqueid)
    )
    call = await _finished(live, "itest-spy")
    with session_factory(live.controller.engine)() as session:
        from controller.db.models import Recording

        paths = {
            r.path: r.agent_code
            for r in session.scalars(select(Recording).where(Recording.call_id == call.id))
        }
    assert paths[path] == "8001"
    assert (live.sandbox.monitor_dir / path).is_file()


async def test_attended_transfer_from_the_api(live: Live) -> None:
    agents = live.controller.agents
    await agents.login("8001", agent_device("8001", 30))
    await agents.login("8002", agent_device("8002", 6))
    await agents.pause("8002", "meeting")
    await originate_caller(live.ami, "sales", wait=25, channel_id="itest-atxfer")
    tracker = live.controller.tracker
    await live.until("8001 talking", lambda: (c := tracker.call("itest-atxfer")) and c.agents)
    view = tracker.call("itest-atxfer")
    assert view is not None
    phone = next(ch for ch in view.channels if ch.agent == "8001" and ch.bridge)
    status, body = await live.post(
        f"/api/v1/channels/{phone.uniqueid}/transfer",
        {"kind": "attended", "target": {"kind": "agent", "value": "8002"}},
    )
    assert status == 200, body
    await live.until(
        "8002 answers the consultation",
        lambda: (s := tracker.seat("8002")) and s.state == "on_call",
    )
    status, body = await live.post(f"/api/v1/channels/{phone.uniqueid}/hangup")  # completes it
    assert status == 200, body
    transfer = await live.until("AttendedTransfer", lambda: live.event("AttendedTransfer"))
    assert transfer["Result"] == "Success"  # type: ignore[index]
    call = await _finished(live, "itest-atxfer")
    assert call.outcome == "transferred"
    agents_in_call = [h.agent_code for h in sorted(call.handlings, key=lambda h: h.talk_start)]
    assert agents_in_call[0] == "8001"
    assert "8002" in agents_in_call
