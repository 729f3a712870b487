"""Every outcome the call history defines, each from a real call through the sandbox Asterisk
and the whole controller (FastAGI routing, AMI tracker, history writer); then the same calls
rebuilt from Asterisk's own records (CEL + queue_log) agree with what the tracker saw live.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from controller.ami.session import AmiSession
from controller.ami.tracker import FinishedCall, Outbox, Tracker
from controller.db.models import Call
from controller.recovery.recover import RecordFiles, family_events, read_families
from controller.sandbox import AsteriskSandbox
from controller.service import Controller
from tests.integration import callcenter as cc
from tests.integration.running import Running, running

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]


@dataclass
class Center:
    running: Running
    finished: list[FinishedCall]

    @property
    def sandbox(self) -> AsteriskSandbox:
        return self.running.sandbox

    @property
    def controller(self) -> Controller:
        return self.running.controller

    @property
    def ami(self) -> AmiSession:
        return self.running.ami

    def stored(self, linkedid: str) -> Call | None:
        return self.running.stored(linkedid)

    async def history(self, linkedid: str, within: float = 40.0) -> Call:
        return await self.running.history(linkedid, within)

    async def post(self, path: str, body: object | None = None) -> tuple[int, object]:
        return await self.running.post(path, body)


@pytest_asyncio.fixture
async def center(
    restart_asterisk: Callable[..., AsteriskSandbox], tmp_path: Path
) -> AsyncIterator[Center]:
    sandbox = restart_asterisk(cc.files())
    async with running(sandbox, tmp_path, cc.company) as started:
        finished: list[FinishedCall] = []

        def keep(outbox: Outbox) -> None:
            finished.extend(outbox.finished)

        started.controller.live.sinks.append(keep)
        yield Center(started, finished)


async def _agent_talking(center: Center, linkedid: str, agent: str) -> str:
    """The uniqueid of ``agent``'s phone once it talks on ``linkedid``."""
    tracker = center.controller.tracker

    def phone() -> str | None:
        view = tracker.call(linkedid)
        if view is None or agent not in view.agents:
            return None
        return next((c.uniqueid for c in view.channels if c.agent == agent and c.bridge), None)

    found = await cc.until(f"{agent} talking on {linkedid}", phone)
    assert isinstance(found, str)
    return found


async def run_every_outcome(center: Center) -> list[cc.Caller]:
    """One call per outcome, one after the other (they share agents); returns what each
    must be in the history."""
    agents, ami = center.controller.agents, center.ami
    callers: list[cc.Caller] = []

    # answered: 8001 takes a call of the sales line and talks 3 s. (Skills routing rings the
    # best agent before the queue: whether the call has a queue leg is the router's choice.)
    await agents.login("8001", cc.agent_device("8001", 3))
    call = cc.Caller(cc.tag("answered"), "answered", None, ("8001",))
    await cc.inbound(ami, "w20@test-caller", cc.SALES_DID, "13912340001", call.linkedid)
    await center.history(call.linkedid)
    callers.append(call)

    # transferred: 8001 answers, then blind-transfers to 8002 (paused for the queue).
    await agents.logout("8001")
    await agents.login("8001", cc.agent_device("8001", 30))
    await agents.login("8002", cc.agent_device("8002", 3))
    await agents.pause("8002", "meeting")
    call = cc.Caller(cc.tag("transferred"), "transferred", None, ("8001", "8002"))
    await cc.inbound(ami, "w25@test-caller", cc.SALES_DID, "13912340002", call.linkedid)
    phone = await _agent_talking(center, call.linkedid, "8001")
    status, body = await center.post(
        f"/api/v1/channels/{phone}/transfer",
        {"kind": "blind", "target": {"kind": "agent", "value": "8002"}},
    )
    assert status == 200, body
    await center.history(call.linkedid)
    callers.append(call)

    # abandoned: every agent paused; the caller gives up after 3 s in the queue.
    await agents.pause("8001", "break")
    call = cc.Caller(cc.tag("abandoned"), "abandoned", "sales")
    await cc.inbound(ami, "w3@test-caller", cc.SALES_DID, "13912340003", call.linkedid)
    callers.append(call)

    # rejected: a blacklisted customer calls the main number.
    call = cc.Caller(cc.tag("rejected"), "rejected")
    await cc.inbound(ami, "s@test-waiter", cc.MAIN_DID, cc.BLACKLISTED, call.linkedid)
    callers.append(call)

    # closed: a line whose time condition is closed (a holiday today).
    call = cc.Caller(cc.tag("closed"), "closed")
    await cc.inbound(ami, "s@test-waiter", cc.CLOSED_DID, "13912340005", call.linkedid)
    callers.append(call)

    # voicemail: a line straight into mailbox 1010; the caller hangs up while recording.
    call = cc.Caller(cc.tag("voicemail"), "voicemail")
    await cc.inbound(ami, "w4@test-caller", cc.VOICEMAIL_DID, "13912340006", call.linkedid)
    callers.append(call)

    # unanswered: a Guangzhou caller hangs up in the main menu, before choosing.
    call = cc.Caller(cc.tag("unanswered"), "unanswered")
    await cc.inbound(ami, "w1@test-caller", cc.MAIN_DID, "02087654321", call.linkedid)
    callers.append(call)

    # failed: an emergency call whose only trunk refuses the connection.
    call = cc.Caller(cc.tag("failed"), "failed")
    await cc.from_phone(ami, "Local/110@pbx-phones", call.linkedid)
    callers.append(call)

    # busy: the number a phone dials is busy.
    call = cc.Caller(cc.tag("busy"), "busy")
    await cc.from_phone(ami, "Local/busy@test-dialer", call.linkedid)
    callers.append(call)

    for caller in callers[2:]:
        await center.history(caller.linkedid)

    # callback: nobody is logged in; behind one waiting caller, this one presses 5, then 1.
    await agents.logout("8001")
    await agents.logout("8002")
    waiter = cc.tag("waiter")
    await cc.inbound(ami, "w15@test-caller", cc.SALES_DID, "13012340001", waiter)
    tracker = center.controller.tracker
    await cc.until("the waiter queued", lambda: (q := tracker.queue("sales")) and q.callers)
    call = cc.Caller(cc.tag("callback"), "callback", "sales")
    await cc.inbound(ami, "s@test-cb-caller", cc.SALES_DID, "13912340009", call.linkedid)
    await center.history(call.linkedid, within=60)
    callers.append(call)
    return callers


def _facts(call: FinishedCall) -> dict[str, object]:
    """What a report reads of a call, but its times (see :func:`_times`)."""
    return {
        "outcome": call.outcome,
        "direction": call.direction,
        "did": call.did,
        "caller": call.caller_number,
        "region": call.region,
        "customer": call.customer_code,
        "vip": call.vip,
        "ivr_path": call.ivr_path,
        "answered": call.answered_at is not None,
        "legs": [
            (leg.queue, leg.outcome, leg.answered_by_agent, leg.exit_key, len(leg.attempts))
            for leg in call.legs
        ],
        "handlings": [(h.agent_code, h.ended_by, h.leg_index) for h in call.handlings],
        "transfers": [(t.kind, t.result, t.from_handling) for t in call.transfers],
        "recordings": sorted((r.path, r.agent_code) for r in call.recordings),
    }


def _times(call: FinishedCall) -> list[float]:
    """Its durations in seconds: the same moments timed by AMI and by CEL differ by
    microseconds, and the queue events' times come from the CEL events around them."""
    return [
        call.ended_at - call.started_at,
        *((leg.wait_ms or 0) / 1000 for leg in call.legs),
        *((h.talk_ms or 0) / 1000 for h in call.handlings),
    ]


def _differences(live: FinishedCall, recovered: FinishedCall) -> dict[str, object]:
    a, b = _facts(live), _facts(recovered)
    found: dict[str, object] = {k: (a[k], b[k]) for k in a if a[k] != b[k]}
    times = list(zip(_times(live), _times(recovered), strict=False))
    if len(_times(live)) != len(_times(recovered)) or any(abs(x - y) > 0.05 for x, y in times):
        found["times"] = (_times(live), _times(recovered))
    return found


def recover(center: Center, since: float, until: float) -> dict[str, FinishedCall]:
    """Rebuild every call of ``[since, until)`` from Asterisk's records, with a tracker of
    its own configured like the live one."""
    settings = center.controller.settings
    # A tracker of its own, knowing no agent's phone: it tells them from [pbx-agent]'s dials.
    tracker = Tracker(settings.server_id)
    for family in read_families(RecordFiles.in_log_dir(settings.asterisk.log_dir), since, until):
        tracker.replay(family_events(family, None))
    return {call.linkedid: call for call in tracker.drain().finished}


async def test_every_outcome_from_real_calls_and_the_same_from_asterisks_records(
    center: Center,
) -> None:
    started = time.time()
    callers = await run_every_outcome(center)
    stored = {c.linkedid: center.stored(c.linkedid) for c in callers}
    outcomes = {lid: (call.outcome if call else None) for lid, call in stored.items()}
    live = {c.linkedid: c for c in center.finished}
    causes = {  # on failure: what decided each outcome
        lid: [(ch.channel, ch.hangup_cause) for ch in live[lid].channels] for lid in live
    }
    assert outcomes == {c.linkedid: c.outcome for c in callers}, causes
    for caller in callers:
        call = stored[caller.linkedid]
        assert call is not None
        assert call.source == "live"
    for caller in callers:
        fc = live[caller.linkedid]
        if caller.queue:
            assert [leg.queue for leg in fc.legs][:1] == [caller.queue], caller
        assert tuple(h.agent_code for h in fc.handlings) == caller.agents, caller
    # Every CEL record of these calls is written by now (each call is in the history).
    recovered = recover(center, started - 1, time.time())
    missing = [c.linkedid for c in callers if c.linkedid not in recovered]
    assert missing == []
    mismatches = {
        c.linkedid: found
        for c in callers
        if (found := _differences(live[c.linkedid], recovered[c.linkedid]))
    }
    assert mismatches == {}
    assert all(recovered[c.linkedid].source == "recovered" for c in callers)
