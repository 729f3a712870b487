"""The example company applied to a real Asterisk 22, and calls through the generated flow.

No FastAGI server listens during these tests, so every decision point takes its static
dialplan fallback, which is exactly what must keep calls flowing when the controller is down.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
import yaml
from pydantic import SecretStr

from controller.ami.protocol import Message
from controller.ami.session import AmiCredentials, AmiSession
from controller.config import AgiSettings, AmiSettings, AsteriskSettings, Settings
from controller.db.engine import make_engine, session_factory
from controller.db.migrate import upgrade
from controller.dialplan import service
from controller.dialplan.apply import LAST_GOOD, Outcome, apply_files
from controller.dialplan.render import FILES, Module
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from controller.sandbox import AsteriskSandbox
from tests.conftest import EXAMPLE

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]

DID = "+8675586001234"


def _free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The admin's own top-level files: include ours, plus contexts the test drives calls with.
TOP_LEVEL = {
    "extensions.conf": """[general]
static=yes
writeprotect=yes

#include pbx-controller/extensions.conf

; A caller who waits for the menu, then presses ${EXTEN}.
[test-press]
exten => _X,1,Answer()
 same => n,Wait(1.5)
 same => n,SendDTMF(${EXTEN})
 same => n,Wait(15)
 same => n,Hangup()
exten => none,1,Answer()
 same => n,Wait(15)
 same => n,Hangup()

; A queue agent without a phone: answers, says something (a tone), hangs up.
[test-agents]
exten => answer,1,Answer()
 same => n,UserEvent(TestAgentAnswered,Agent: ${PBX_AGENT})
 same => n,Playback(beep)
 same => n,Playback(beep)
 same => n,Hangup()
""",
    "pjsip.conf": "#include pbx-controller/pjsip.conf\n",
    "queues.conf": "[general]\nlog_membername_as_agent=yes\n\n#include pbx-controller/queues.conf\n",
    "musiconhold.conf": "[general]\n\n#include pbx-controller/musiconhold.conf\n",
    "voicemail.conf": "[general]\nformat=wav\n\n#include pbx-controller/voicemail.conf\n",
    **{f"pbx-controller/{spec.name}": "; nothing applied yet\n" for spec in FILES},
}


def _company(sip_port: int, dead_port: int, *, holiday_today: bool) -> str:
    """The example company, made testable: hours that are open now (or a holiday today),
    short menus, sounds that exist, and trunks on loopback."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    for tc in data["time_conditions"]:
        tc["rules"] = [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                        "start": "00:00", "end": "24:00"}]  # fmt: skip
    calendar = data["holiday_calendars"][0]
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    calendar["holidays"] = [h for h in calendar["holidays"] if not _covers(h, today)]
    calendar["workdays"] = [w for w in calendar["workdays"] if w["date"] != today.isoformat()]
    if holiday_today:
        calendar["holidays"].append({"date": today.isoformat(), "name": "test holiday"})
    for menu in data["ivr_menus"]:
        menu["prompts"] = {"zh": "beep", "en": "beep"}
        menu.pop("invalid_prompts", None)
        menu["timeout_seconds"] = 2
        menu["max_retries"] = 0
    for queue in data["queues"]:
        queue.pop("periodic_announce", None)
        queue["announce_position"] = "no"
        queue["announce_holdtime"] = "no"
    data["recording_policies"][0]["notice_prompts"] = {"zh": "beep"}
    data["trunks"] = [
        # First choice refuses connections at once (TCP to a closed port) ...
        {"name": "telecom", "auth": "ip", "host": "127.0.0.1", "port": dead_port,
         "transport": "tcp", "caller_id": DID},
        # ... so calls fail over to this one, which is Asterisk itself on loopback.
        {"name": "voip-backup", "auth": "ip", "host": "127.0.0.1", "port": sip_port,
         "caller_id": DID},
    ]  # fmt: skip
    for moh in data["moh_classes"]:
        moh["directory"] = "moh"  # the only music directory in the sandbox
    for agent in data["agents"]:
        agent.pop("extension", None)  # agents sit at test-agents, not at a phone
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _covers(holiday: dict[str, str], day: dt.date) -> bool:
    first = dt.date.fromisoformat(holiday["date"])
    last = dt.date.fromisoformat(holiday.get("until") or holiday["date"])
    return first <= day <= last


@dataclass
class Pbx:
    sandbox: AsteriskSandbox
    settings: Settings
    ami: AmiSession
    events: list[Message]
    sip_port: int
    dead_port: int

    def company(self, *, holiday_today: bool = False) -> str:
        return _company(self.sip_port, self.dead_port, holiday_today=holiday_today)

    def import_company(self, text: str) -> None:
        engine = make_engine(self.settings.effective_database_url)
        with session_factory(engine)() as session, session.begin():
            import_config(session, parse_config(text, "company.yaml"))
        engine.dispose()

    async def apply(self) -> service.Applied:
        engine = make_engine(self.settings.effective_database_url)
        try:
            return await service.apply_from_database(self.settings, engine)
        finally:
            engine.dispose()

    async def wait_for(
        self, what: str, predicate: Callable[[Message], bool], since: int = 0, within: float = 20.0
    ) -> Message:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for event in self.events[since:]:
                if predicate(event):
                    return event
            await asyncio.sleep(0.05)
        seen = [
            f"{e.get('Event')}:{e.get('Context', '')}:{e.get('Extension', '')}"
            for e in self.events[since:]
        ][-40:]
        raise AssertionError(f"no AMI event {what} within {within} s; seen: {seen}")

    async def originate(self, channel: str, context: str, exten: str) -> None:
        await self.ami.action(
            "Originate", Channel=channel, Context=context, Exten=exten, Priority=1,
            Async="true", Timeout=30000, CallerID="13900001111 <13900001111>",
        )  # fmt: skip

    async def log_in_agent(self, queue: str, code: str) -> None:
        await self.ami.action("DBPut", Family="pbx-agent", Key=code, Val="Local/answer@test-agents")
        await self.ami.action(
            "QueueAdd", Queue=queue, Interface=f"Local/{code}@pbx-agent/n", MemberName=code,
            StateInterface=f"Custom:pbx-test-{code}",
        )  # fmt: skip
        await self.ami.action(
            "Setvar", Variable=f"DEVICE_STATE(Custom:pbx-test-{code})", Value="NOT_INUSE"
        )


@pytest.fixture
def sip_port() -> int:
    return _free_port(socket.SOCK_DGRAM)


@pytest.fixture
def started(restart_asterisk: Callable[..., AsteriskSandbox]) -> Iterator[AsteriskSandbox]:
    return restart_asterisk(TOP_LEVEL)


@pytest_asyncio.fixture
async def pbx(started: AsteriskSandbox, tmp_path: Path, sip_port: int) -> AsyncIterator[Pbx]:
    account = started.ami
    settings = Settings(
        data_dir=tmp_path,
        ami=AmiSettings(host=account.host, port=account.port, username=account.username,
                        secret=SecretStr(account.secret)),
        agi=AgiSettings(port=_free_port()),  # nothing listens: every AGI takes its fallback
        asterisk=AsteriskSettings(config_dir=started.etc_dir, sip_bind=f"127.0.0.1:{sip_port}"),
    )  # fmt: skip
    upgrade(make_engine(settings.effective_database_url))
    credentials = AmiCredentials(account.host, account.port, account.username, account.secret)
    async with await AmiSession.open(credentials) as ami:
        events: list[Message] = []
        ami.on_event = events.append
        pbx = Pbx(started, settings, ami, events, sip_port, _free_port())
        pbx.import_company(pbx.company())
        applied = await pbx.apply()
        assert applied.report.outcome is Outcome.APPLIED, applied.report.render()
        yield pbx


async def test_apply_loads_everything_and_a_second_apply_does_nothing(pbx: Pbx) -> None:
    dialplan = pbx.sandbox.cli("dialplan show pbx-ivr-main")
    assert "Background" in dialplan
    assert "sales" in pbx.sandbox.cli("queue show sales")
    assert "voip-backup" in pbx.sandbox.cli("pjsip show endpoints")
    assert "1010" in pbx.sandbox.cli("voicemail show users for pbx")
    since = len(pbx.events)
    again = await pbx.apply()
    assert again.report.outcome is Outcome.APPLIED
    assert again.report.changed == []
    await asyncio.sleep(0.5)
    assert not [e for e in pbx.events[since:] if e.get("Event") == "Reload"]


async def test_business_hours_ivr_key_queue_agent(pbx: Pbx) -> None:
    await pbx.log_in_agent("sales", "8001")
    since = len(pbx.events)
    await pbx.originate("Local/1@test-press", "pbx-from-trunk", DID)
    await pbx.wait_for("IVR main", lambda e: e.get("Event") == "Newexten"
                       and e.get("Context") == "pbx-ivr-main", since)  # fmt: skip
    join = await pbx.wait_for("QueueCallerJoin sales", lambda e: e.get("Event") == "QueueCallerJoin"
                              and e.get("Queue") == "sales", since)  # fmt: skip
    connect = await pbx.wait_for("AgentConnect", lambda e: e.get("Event") == "AgentConnect", since)
    assert connect.get("Queue") == "sales"
    assert connect.get("MemberName") == "8001"
    assert connect.get("Linkedid") == join.get("Linkedid")
    await pbx.wait_for("the agent answered", lambda e: e.get("Event") == "UserEvent"
                       and e.get("UserEvent") == "TestAgentAnswered", since)  # fmt: skip
    # The sales queue records (policy all-calls): MixMonitor writes <UNIQUEID>.wav, under the
    # monitor directory by date, and closes it when the call ends.
    uniqueid = join["Uniqueid"]
    await pbx.wait_for("recording started", lambda e: e.get("Event") == "MixMonitorStart"
                       and e.get("Uniqueid") == uniqueid, since)  # fmt: skip
    await pbx.wait_for("caller hung up", lambda e: e.get("Event") == "Hangup"
                       and e.get("Uniqueid") == uniqueid, since)  # fmt: skip
    recordings: list[Path] = []
    for _ in range(50):  # the mixing thread closes the file just after the hangup
        recordings = list(pbx.sandbox.monitor_dir.glob(f"*/*/*/{uniqueid}.wav"))
        if recordings and recordings[0].stat().st_size > 44:
            break
        await asyncio.sleep(0.1)
    assert len(recordings) == 1, list(pbx.sandbox.monitor_dir.rglob("*"))
    assert recordings[0].stat().st_size > 44  # more than a bare WAV header


async def test_after_hours_goes_to_the_after_hours_menu_then_voicemail(pbx: Pbx) -> None:
    pbx.import_company(pbx.company(holiday_today=True))
    applied = await pbx.apply()
    assert applied.report.changed == ["extensions_routes.conf"]
    assert applied.report.reloaded == [Module.DIALPLAN]
    since = len(pbx.events)
    await pbx.originate("Local/none@test-press", "pbx-from-trunk", DID)
    await pbx.wait_for("after-hours menu", lambda e: e.get("Event") == "Newexten"
                       and e.get("Context") == "pbx-ivr-after-hours", since)  # fmt: skip
    await pbx.wait_for("voicemail", lambda e: e.get("Event") == "Newexten"
                       and e.get("Application") == "VoiceMail" and "1010" in e.get("AppData", ""), since)  # fmt: skip


@pytest.mark.parametrize(("key", "extension", "then"), [
    ("7", "i", "pbx-queue-sales"),  # invalid key -> invalid destination
    ("none", "t", "pbx-queue-sales"),  # no key -> timeout destination
])  # fmt: skip
async def test_invalid_key_and_timeout(pbx: Pbx, key: str, extension: str, then: str) -> None:
    since = len(pbx.events)
    await pbx.originate(f"Local/{key}@test-press", "pbx-from-trunk", DID)
    await pbx.wait_for(f"menu extension {extension}", lambda e: e.get("Event") == "Newexten"
                       and e.get("Context") == "pbx-ivr-main" and e.get("Extension") == extension, since)  # fmt: skip
    await pbx.wait_for(
        then, lambda e: e.get("Event") == "Newexten" and e.get("Context") == then, since
    )


async def test_zero_out_reaches_the_operator_then_her_voicemail(pbx: Pbx) -> None:
    since = len(pbx.events)
    await pbx.originate("Local/0@test-press", "pbx-from-trunk", DID)
    await pbx.wait_for("dial the operator", lambda e: e.get("Event") == "Newexten"
                       and e.get("Application") == "Dial" and e.get("AppData", "").startswith("PJSIP/1010"), since)  # fmt: skip
    # Her phone is not registered: the call goes on to her mailbox.
    await pbx.wait_for("operator voicemail", lambda e: e.get("Event") == "Newexten"
                       and e.get("Application") == "VoiceMail" and e.get("AppData", "").startswith("1010@pbx"), since)  # fmt: skip


async def test_outbound_fails_over_to_the_second_trunk(pbx: Pbx) -> None:
    since = len(pbx.events)
    # Nothing answers at telecom's port. Usually the call fails over at once; on a busy
    # machine the INVITE may instead wait for PJSIP's transaction timeout (timer B, 32 s):
    # the originate and the wait allow for it (failing over late is still failing over).
    await pbx.ami.action(
        "Originate", Channel="Local/13800138000@pbx-phones", Application="Wait", Data="6",
        Async="true", Timeout=60000, CallerID="1001 <1001>",
    )  # fmt: skip
    first = await pbx.wait_for("first trunk fails", lambda e: e.get("Event") == "DialEnd"
                               and e.get("DestChannel", "").startswith("PJSIP/telecom"), since,
                               within=45)  # fmt: skip
    assert first.get("DialStatus") in {"CHANUNAVAIL", "CONGESTION"}
    second = await pbx.wait_for("second trunk answers", lambda e: e.get("Event") == "DialEnd"
                                and e.get("DestChannel", "").startswith("PJSIP/voip-backup"), since)  # fmt: skip
    assert second.get("DialStatus") == "ANSWER"


async def test_broken_configuration_is_rolled_back(pbx: Pbx) -> None:
    directory = service.generated_dir(pbx.settings)
    good = {spec.name: (directory / spec.name).read_text() for spec in FILES}
    broken = dict(good)
    # A section header without its "]" before the file's marker: what a bad template override
    # might produce.
    text = good["extensions_ivr.conf"]
    marker = text.rindex("\n[pbx-meta-")
    broken["extensions_ivr.conf"] = (
        text[:marker] + "\n[pbx-broken\nexten => s,1,NoOp(x)\n" + text[marker:]
    )
    report = await apply_files(broken, directory, service.ami_credentials(pbx.settings))
    assert report.outcome is Outcome.ROLLED_BACK, report.render()
    assert any("extensions_ivr.conf" in p or "extensions" in p for p in report.problems)
    # The previous files are back on disk and in Asterisk.
    assert (directory / "extensions_ivr.conf").read_text() == good["extensions_ivr.conf"]
    assert (directory / LAST_GOOD / "extensions_ivr.conf").read_text() == good[
        "extensions_ivr.conf"
    ]
    assert "Background" in pbx.sandbox.cli("dialplan show pbx-ivr-main")


async def test_one_queue_change_reloads_only_queues(pbx: Pbx) -> None:
    pbx.import_company(pbx.company().replace("strategy: leastrecent", "strategy: fewestcalls"))
    applied = await pbx.apply()
    assert applied.report.changed == ["queues.conf"]
    assert applied.report.reloaded == [Module.QUEUES]
    assert "fewestcalls" in pbx.sandbox.cli("queue show sales")
