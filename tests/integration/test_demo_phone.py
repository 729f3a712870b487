"""A real SIP phone (baresip) in the whole product: the demo site with the controller running,
a caller through the IVR into the queue, the phone of the logged-in agent rings and answers by
itself; the call shows in the live API, then in history with its recording on disk."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest

from controller.ami.session import AmiSession
from controller.config import Settings
from controller.db.engine import make_engine, session_factory
from controller.demo.site import DEMO_DID, DemoSite, free_port
from controller.dialplan.service import ami_credentials
from controller.pbxconfig.export import export_config
from controller.sandbox import AsteriskSandbox
from tests.integration.phones import Baresip

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]


@pytest.fixture
def site(
    restart_asterisk: Callable[..., AsteriskSandbox],
    asterisk_sandbox: AsteriskSandbox,
    tmp_path: Path,
) -> Iterator[DemoSite]:
    restart_asterisk({})  # the sandbox gets its base configuration back after the test
    demo = DemoSite(Settings(data_dir=tmp_path / "data"), sandbox=asterisk_sandbox, talk_seconds=3)
    try:
        yield demo
    finally:
        demo.stop()


def _phone_password(site: DemoSite, number: str) -> str:
    engine = make_engine(site.settings.effective_database_url)
    with session_factory(engine)() as session:
        config = export_config(session, include_secrets=True)
    engine.dispose()
    extension = next(e for e in config.extensions if e.number == number)
    assert extension.phone is not None
    assert extension.phone.password is not None
    return extension.phone.password


async def _poll(what: str, check: Callable[[], object], within: float = 20.0) -> object:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = await check() if asyncio.iscoroutinefunction(check) else check()
        if result:
            return result
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what}: not within {within} s")


async def test_baresip_agent_answers_a_queue_call(site: DemoSite, tmp_path: Path) -> None:
    await site.start()
    sip_port = int(site.settings.asterisk.sip_bind.rsplit(":", 1)[1])
    phone = Baresip(
        tmp_path / "baresip", "1001", _phone_password(site, "1001"), sip_port, free_port()
    )
    headers = {"Authorization": f"Bearer {site.token}"}
    with phone:
        phone.wait_registered(lambda: site.sandbox.cli("pjsip show contacts"))
        async with aiohttp.ClientSession(site.api_url, headers=headers) as http:
            async with http.post("/api/v1/agents/8001/login", json={"device": "PJSIP/1001"}) as r:
                assert r.status == 200, await r.text()
            events: list = []
            async with await AmiSession.open(
                ami_credentials(site.settings), on_event=events.append
            ) as ami:
                await ami.action(
                    "Originate", Channel="Local/1@pbx-demo-caller", Context="pbx-from-trunk",
                    Exten=DEMO_DID, Priority=1, Async="true", CallerID="13812345678 <13812345678>",
                    ChannelId="phone-test-1", OtherChannelId="phone-test-1-caller",
                    Variable=["__PBX_DEMO_WAIT=6"],
                )  # fmt: skip
                connect = await _poll(
                    "the phone answered the queue call",
                    lambda: next((e for e in events if e.get("Event") == "AgentConnect"), None),
                )
                assert connect.get("MemberName") == "8001"  # type: ignore[union-attr]
                # The member is Local/8001@pbx-agent, which dialled the phone the agent sits at.
                answered = [e for e in events if e.get("Event") == "DialEnd"
                            and e.get("DestChannel", "").startswith("PJSIP/1001")]  # fmt: skip
                assert [e.get("DialStatus") for e in answered] == ["ANSWER"]

                async def live_call() -> object:
                    async with http.get("/api/v1/calls") as response:
                        return [c for c in (await response.json())["calls"]
                                if c.get("linkedid") == "phone-test-1"]  # fmt: skip

                assert await _poll("the call in the live API", live_call)
                await _poll(
                    "the caller hung up",
                    lambda: any(
                        e.get("Event") == "Hangup" and e.get("Uniqueid") == "phone-test-1"
                        for e in events
                    ),
                )

            async def in_history() -> object:
                async with http.get("/api/v1/history/calls", params={"number": "13812345678"}) as r:
                    return [c for c in (await r.json())["calls"] if c["linkedid"] == "phone-test-1"]

            calls = await _poll("the call in history", in_history, within=30)
            call = calls[0]  # type: ignore[index]
            assert call["outcome"] == "answered", call

            async def recordings() -> object:
                async with http.get("/api/v1/recordings", params={"agent": "8001"}) as r:
                    return (await r.json())["recordings"]

            found = await _poll("the recording in history", recordings, within=30)
    # The file history names (the cached sandbox keeps earlier runs' recordings, by date).
    (recording,) = found  # type: ignore[misc]
    assert recording["path"].endswith("/phone-test-1.wav"), recording
    file = site.sandbox.monitor_dir / recording["path"]
    assert file.stat().st_size > 8000  # seconds of the phone's tone, not an empty header
