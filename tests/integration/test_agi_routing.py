"""The FastAGI routing service in front of a real Asterisk 22, on the example company.

Calls are AMI-originated Local channels into the generated ``[pbx-from-trunk]``; the caller's
half plays a script (press keys, wait). The controller runs in the test's event loop with
its own AMI link, so its live view sees the agents the test logs in. The classic AGI script
is installed into the sandbox's agi-bin, but the Debian sid chroot has no Python (only
perl): there it fails cleanly and the static dialplan takes the call, which the fallback
test relies on.
"""

from __future__ import annotations

import asyncio
import re
import resource
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
import yaml
from pydantic import SecretStr

from controller.agi import server as agi_server
from controller.agi.install import install_classic
from controller.agi.service import AgiService
from controller.ami.protocol import Message
from controller.ami.session import AmiCredentials, AmiSession
from controller.ami.tracker.state import ScreenPop
from controller.config import AgiSettings, AmiSettings, AsteriskSettings, Settings
from controller.db.engine import make_engine, session_factory
from controller.db.migrate import upgrade
from controller.db.models import CallbackRequest, SurveyResponse
from controller.db.models.history import CallbackState
from controller.dialplan import service as dialplan
from controller.dialplan.apply import Outcome
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from controller.sandbox import AsteriskSandbox
from tests.integration.test_dialplan_apply import TOP_LEVEL, _company

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]

MAIN_DID = "+8675586001234"  # main-number: business hours -> IVR; Beijing -> support
SALES_DID = "4008600000"  # a route straight into the sales queue (added for these tests)
# Every character Asterisk's argument parsers treat specially, in a customer's name.
NASTY_NAME = '赵明, "老客户" (VIP) \\ [A] ;x'

CONTEXTS = """
; A caller who waits in the queue, presses 5 for a callback, then 1 to confirm.
[test-cb-caller]
exten => s,1,Answer()
 same => n,Wait(3)
 same => n,SendDTMF(5)
 same => n,Wait(3)
 same => n,SendDTMF(1)
 same => n,Wait(30)
 same => n,Hangup()

; After the call: the caller gives a score of 4 for agent 8001.
[test-survey]
exten => s,1,Answer()
 same => n,AGI(${PBX_AGI_URL}/survey,4,8001)
 same => n,UserEvent(TestSurvey,Ok: ${PBX_AGI_OK})
 same => n,Hangup()

; A caller who just waits (in a queue, in a menu).
[test-waiter]
exten => s,1,Answer()
 same => n,Wait(60)
 same => n,Hangup()

; An agent without a phone: busy while talking, so app_queue offers one call at a time.
[test-agi-agents]
exten => answer,1,Answer()
 same => n,Set(DEVICE_STATE(Custom:pbx-test-${PBX_AGENT})=INUSE)
 same => n,UserEvent(TestAgentAnswered,Agent: ${PBX_AGENT},Customer: ${PBX_CUSTOMER_CODE})
 same => n,Wait(2)
 same => n,Hangup()
exten => h,1,Set(DEVICE_STATE(Custom:pbx-test-${PBX_AGENT})=NOT_INUSE)
"""


def _free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _company_for_routing(sip_port: int, dead_port: int) -> str:
    data = yaml.safe_load(_company(sip_port, dead_port, holiday_today=False))
    for queue in data["queues"]:
        queue["wrapup_seconds"] = 0
        queue["retry_seconds"] = 1
        queue["ring_seconds"] = 10
        if "callback" in queue:
            queue["callback"]["offer_after_seconds"] = 30
        queue["periodic_announce"] = "beep"  # the callback offer prompt; must exist
    data["customers"][0]["name"] = NASTY_NAME  # C10001
    data["inbound_routes"].append(
        {"name": "sales-direct", "did": SALES_DID, "destination": "queue:sales"}
    )
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@dataclass
class Routed:
    sandbox: AsteriskSandbox
    settings: Settings
    ami: AmiSession
    events: list[Message]
    service: AgiService

    async def wait_for(
        self, what: str, predicate: Callable[[Message], bool], since: int = 0, within: float = 30
    ) -> Message:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for event in self.events[since:]:
                if predicate(event):
                    return event
            await asyncio.sleep(0.05)
        seen = [f"{e.get('Event')}:{e.get('Context', '')}:{e.get('Extension', '')}"
                for e in self.events[since:]][-50:]  # fmt: skip
        raise AssertionError(f"no AMI event {what} within {within} s; seen: {seen}")

    async def call(self, script: str, did: str, caller: str) -> None:
        await self.ami.action(
            "Originate", Channel=f"Local/s@{script}", Context="pbx-from-trunk", Exten=did,
            Priority=1, Async="true", Timeout=30000, CallerID=f"{caller} <{caller}>",
        )  # fmt: skip

    async def log_in(self, queue: str, code: str) -> None:
        await self.ami.action(
            "DBPut", Family="pbx-agent", Key=code, Val="Local/answer@test-agi-agents"
        )
        await self.ami.action(
            "Setvar", Variable=f"DEVICE_STATE(Custom:pbx-test-{code})", Value="NOT_INUSE"
        )
        await self.ami.action(
            "QueueAdd", Queue=queue, Interface=f"Local/{code}@pbx-agent/n", MemberName=code,
            StateInterface=f"Custom:pbx-test-{code}",
        )  # fmt: skip

    async def until(self, what: str, condition: Callable[[], bool], within: float = 10) -> None:
        deadline = time.monotonic() + within
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not reached within {within} s")
            await asyncio.sleep(0.05)

    def newexten(self, context: str, since: int) -> Callable[[Message], bool]:
        return lambda e: e.get("Event") == "Newexten" and e.get("Context") == context

    async def queue_entries(self, queue: str) -> list[str]:
        entries = await self.ami.list_action("QueueStatus", Queue=queue)
        ordered = sorted(
            (int(e.get("Position", "0")), e.get("Channel", ""))
            for e in entries
            if e.get("Event") == "QueueEntry"
        )
        return [channel for _, channel in ordered]


@pytest_asyncio.fixture
async def routed(
    restart_asterisk: Callable[..., AsteriskSandbox], tmp_path: Path
) -> AsyncIterator[Routed]:
    top = dict(TOP_LEVEL)
    top["extensions.conf"] = TOP_LEVEL["extensions.conf"] + CONTEXTS
    sandbox = restart_asterisk(top)
    account = sandbox.ami
    sip_port, agi_port = _free_port(socket.SOCK_DGRAM), _free_port()
    settings = Settings(
        data_dir=tmp_path,
        ami=AmiSettings(host=account.host, port=account.port, username=account.username,
                        secret=SecretStr(account.secret)),
        agi=AgiSettings(port=agi_port),
        asterisk=AsteriskSettings(config_dir=sandbox.etc_dir, sip_bind=f"127.0.0.1:{sip_port}"),
    )  # fmt: skip
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    with session_factory(engine)() as session, session.begin():
        text = _company_for_routing(sip_port, _free_port())
        import_config(session, parse_config(text, "company.yaml"))
    # The classic fallback script, with the interpreter a Debian system would have. The
    # sandbox chroot has none: AGI(pbx-agi.py) fails there and the static route is taken.
    install_classic(sandbox.root / "usr/share/asterisk/agi-bin", "/usr/bin/python3")
    applied = await dialplan.apply_from_database(settings, engine)
    assert applied.report.outcome is Outcome.APPLIED, applied.report.render()
    credentials = AmiCredentials(account.host, account.port, account.username, account.secret)
    service = AgiService.from_settings(settings, engine)
    service.rules_cache.interval = 0.2
    await service.start()
    try:
        async with await AmiSession.open(credentials) as ami:
            events: list[Message] = []
            ami.on_event = events.append
            routed = Routed(sandbox, settings, ami, events, service)
            await routed.until("the controller's AMI link", lambda: service.live.fresh)
            yield routed
    finally:
        await service.stop(grace=1.0)
        engine.dispose()


async def test_blacklisted_caller_is_politely_rejected(routed: Routed) -> None:
    since = len(routed.events)
    await routed.call("test-waiter", MAIN_DID, "17000001111")
    await routed.wait_for("[pbx-reject]", routed.newexten("pbx-reject", since), since)
    hangup = await routed.wait_for(
        "the hangup with cause 21",
        lambda e: e.get("Event") == "Hangup" and e.get("Context") == "pbx-reject",
        since,
    )
    assert hangup.get("Cause") == "21"


async def test_routed_by_region_with_the_region_in_a_variable(routed: Routed) -> None:
    since = len(routed.events)
    # 13911112222 is a Beijing mobile (customer C10002, whose owner is not logged in).
    await routed.call("test-waiter", MAIN_DID, "13911112222")
    region = await routed.wait_for(
        "PBX_REGION", lambda e: e.get("Event") == "VarSet"
        and e.get("Variable") == "PBX_REGION", since,
    )  # fmt: skip
    assert region.get("Value") == "北京市"
    joined = await routed.wait_for(
        "QueueCallerJoin", lambda e: e.get("Event") == "QueueCallerJoin", since
    )
    assert joined.get("Queue") == "support"  # the region route, not business hours -> IVR


async def test_sticky_routing_rings_the_owner_first(routed: Routed) -> None:
    await routed.log_in("sales", "8001")
    await routed.until("8001 free in the live view", lambda: (
        (a := routed.service.live.agent("8001")) is not None and a.available(time.time())
    ))  # fmt: skip
    assert routed.service.feed is not None
    pops: list[ScreenPop] = []
    routed.service.feed.live.sinks.append(lambda outbox: pops.extend(outbox.screen_pops))
    since = len(routed.events)
    # 13800138000 is C10001 (VIP, owner 8001), from Beijing: heading for support.
    await routed.call("test-waiter", MAIN_DID, "13800138000")
    await routed.wait_for("[pbx-sticky]", routed.newexten("pbx-sticky", since), since)
    answered = await routed.wait_for(
        "the owner answered", lambda e: e.get("Event") == "UserEvent"
        and e.get("UserEvent") == "TestAgentAnswered", since,
    )  # fmt: skip
    assert answered.get("Agent") == "8001"
    # The customer reaches the agent as the controller's screen pop (from the caller's
    # channel), not as a copy of the variables on every leg the call rings.
    await routed.until("8001's screen pop", lambda: any(p.agent == "8001" for p in pops))
    pop = next(p for p in pops if p.agent == "8001")
    assert (pop.customer_code, pop.region, pop.vip) == ("C10001", "北京市", True)
    assert not answered.get("Customer")  # the agent's leg inherited none of them
    names = [e for e in routed.events[since:] if e.get("Event") == "VarSet"
             and e.get("Variable") in ("PBX_CUSTOMER_NAME", "__PBX_CUSTOMER_NAME")]  # fmt: skip
    assert len(names) == 1, [e.get("Channel") for e in names]  # the caller's channel only
    # Intact through SET VARIABLE ARRAY(...). (AMI shows VarSet values C-escaped.)
    assert _unescape_c(names[0].get("Value", "")) == NASTY_NAME
    assert not [e for e in routed.events[since:] if e.get("Event") == "QueueCallerJoin"]


async def test_fallback_when_the_server_is_stopped_and_the_database_gone(
    routed: Routed,
) -> None:
    await routed.service.stop(grace=0.5)
    database = routed.settings.data_dir / "pbx.sqlite3"
    database.rename(database.with_suffix(".away"))  # the classic script could not read it
    since = len(routed.events)
    await routed.call("test-waiter", MAIN_DID, "13800138000")
    # Both the FastAGI attempt and the classic script (no Python in the chroot) fail ...
    await routed.until("two failed AGI attempts", lambda: [
        e.get("Value") for e in routed.events[since:]
        if e.get("Event") == "VarSet" and e.get("Variable") == "AGISTATUS"
    ][:2] == ["FAILURE", "FAILURE"])  # fmt: skip
    # ... and the static route takes the call: business hours (open) -> main menu -> no
    # key -> the sales queue.
    await routed.wait_for("the main menu", routed.newexten("pbx-ivr-main", since), since)
    joined = await routed.wait_for(
        "a default queue", lambda e: e.get("Event") == "QueueCallerJoin", since, within=40
    )
    assert joined.get("Queue") == "sales"
    assert not [e for e in routed.events[since:] if e.get("Context") == "pbx-sticky"]


async def test_callback_offer_keeps_the_place_and_calls_the_customer(routed: Routed) -> None:
    since = len(routed.events)
    # Two callers wait in sales (one after the other, so their order is known); nobody is
    # logged in, so the estimated wait is unbounded.
    for n, number in enumerate(("13012340001", "13012340002"), 1):
        await routed.call("test-waiter", SALES_DID, number)
        await routed.until(f"{n} caller(s) queued", lambda n=n: sum(
            1 for e in routed.events[since:] if e.get("Event") == "QueueCallerJoin") == n)  # fmt: skip
    # The third caller is offered a callback, presses 5, then confirms with 1.
    await routed.call("test-cb-caller", SALES_DID, "13900001111")
    offer = await routed.wait_for("the offer", lambda e: e.get("Event") == "VarSet"
                                  and e.get("Variable") == "PBX_CB_OFFER", since)  # fmt: skip
    assert offer.get("Value") == "sales"
    await routed.wait_for("the callback key", routed.newexten("pbx-qcb-sales", since), since)
    await routed.wait_for("confirmed: goodbye", routed.newexten("pbx-hangup", since), since)
    # A fourth caller arrives after the request.
    await routed.call("test-waiter", SALES_DID, "13012340004")
    await routed.until("four entries", lambda: sum(
        1 for e in routed.events[since:] if e.get("Event") == "QueueCallerJoin") >= 5)  # fmt: skip
    entries = await routed.queue_entries("sales")
    # The requester hung up; the placeholder waits in its place, ahead of the later caller.
    assert len(entries) == 4
    assert "@pbx-cb-hold" in entries[2]
    with session_factory(routed.service.engine)() as session:
        request = session.query(CallbackRequest).one()
        assert (request.queue_name, request.number, request.state) == (
            "sales", "+8613900001111", CallbackState.PENDING
        )  # fmt: skip
    # An agent logs in: callers are served in order, the placeholder third.
    await routed.log_in("sales", "8001")
    dial = await routed.wait_for(
        "the customer is dialled", lambda e: e.get("Event") == "DialBegin"
        and e.get("DestChannel", "").startswith("Local/13900001111@pbx-external"), since,
        within=60,
    )  # fmt: skip
    connects = [e for e in routed.events[since:] if e.get("Event") == "AgentConnect"]
    # Served in queue order; the placeholder carries the requester's number.
    assert [e.get("CallerIDNum") for e in connects] == ["13012340001", "13012340002", "13900001111"]
    assert dial.get("Channel", "").startswith("Local/00000001@pbx-cb-hold")  # its ;1 half
    await routed.until("request DONE", lambda: _state(routed) is CallbackState.DONE, within=30)


async def test_survey_score_is_stored(routed: Routed) -> None:
    since = len(routed.events)
    await routed.ami.action(
        "Originate", Channel="Local/s@test-waiter", Context="test-survey", Exten="s",
        Priority=1, Async="true", Timeout=30000, CallerID="13800138000 <13800138000>",
    )  # fmt: skip
    done = await routed.wait_for("the survey", lambda e: e.get("Event") == "UserEvent"
                                 and e.get("UserEvent") == "TestSurvey", since)  # fmt: skip
    assert done.get("Ok") == "1"
    with session_factory(routed.service.engine)() as session:
        answer = session.query(SurveyResponse).one()
        assert (answer.score, answer.scale_max, answer.agent_code) == (4, 5, "8001")


FLOOD = 600  # idle connections; the service's descriptor limit leaves room for 400 more
CHECKOUT = Path(__file__).resolve().parents[2]


def _lower_descriptor_limit() -> tuple[int, int]:
    """Leave the process 400 descriptors more than it uses (other parts of a service took
    them); no raising it back. Returns the limits to restore."""
    limits = resource.getrlimit(resource.RLIMIT_NOFILE)
    in_use = sum(1 for _ in Path("/proc/self/fd").iterdir())
    resource.setrlimit(resource.RLIMIT_NOFILE, (in_use + 400, limits[1]))
    return limits


async def test_a_real_call_is_routed_during_an_idle_flood(
    routed: Routed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12 §4 e: idle FastAGI connections (another process, 127.0.0.1, bounded) must
    not hold up a real call: the controller decides it (the region route, which only it
    knows) before a single idle connection reached its header deadline."""
    server = routed.service.server
    monkeypatch.setattr(agi_server, "raise_soft_limit", lambda *_: 0, raising=False)
    flood = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.unit.agi.flood_peer",
        str(routed.settings.agi.port), str(FLOOD), "60",
        cwd=CHECKOUT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert flood.stdin is not None
    assert flood.stdout is not None
    limits = _lower_descriptor_limit()
    try:
        assert await asyncio.wait_for(flood.stdout.readline(), 60) == f"open {FLOOD}\n".encode()
        since = len(routed.events)
        await routed.call("test-waiter", MAIN_DID, "13911112222")  # a Beijing mobile
        await routed.wait_for("the controller's decision", lambda e: e.get("Event") == "VarSet"
                              and e.get("Variable") == "PBX_AGI_OK" and e.get("Value") == "1",
                              since)  # fmt: skip
        timed_out_before_the_decision = server.stats.header_timeouts
        joined = await routed.wait_for(
            "QueueCallerJoin", lambda e: e.get("Event") == "QueueCallerJoin", since
        )
        assert joined.get("Queue") == "support"  # the region route: the controller decided
        assert timed_out_before_the_decision == 0
        assert server.stats.evicted > 0  # there was a flood, and it was shed
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, limits)
        flood.stdin.close()
        await asyncio.wait_for(flood.stdout.readline(), 120)
        await flood.wait()


_C_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unescape_c(text: str) -> str:
    """Undo Asterisk's ast_escape_c(), which AMI applies to VarSet values."""
    return re.sub(r"\\(.)", lambda m: _C_ESCAPES.get(m.group(1), m.group(1)), text)


def _state(routed: Routed) -> CallbackState | None:
    with session_factory(routed.service.engine)() as session:
        request = session.query(CallbackRequest).one_or_none()
        return request.state if request is not None else None
