"""Record the AMI transcripts under tests/fixtures/ami/ from the real sandbox Asterisk.

    sudo PBXCTL_SANDBOX_ROOT=... .venv/bin/python -m tests.integration.record_transcripts [NAME...]

Each scenario boots the sandbox with the example company applied (as the dialplan tests do),
opens a raw AMI connection that records every byte Asterisk sends, drives calls with Local
channels through a second session, and finally asks for the resync lists (CoreShowChannels,
Status with the PBX_* variables, QueueStatus, QueueSummary) on the recording connection, so
the tracker tests can replay both the events and a resync. The bytes are written verbatim.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from controller.ami.session import AmiCredentials, AmiSession
from controller.config import load_settings
from controller.sandbox import AsteriskSandbox
from tests.integration.ami_lab import (
    RESYNC_ACTIONS,
    TEST_CONTEXTS,
    log_in,
    originate_caller,
)
from tests.integration.running import example_company, free_port, prepare, sandbox_settings
from tests.integration.test_dialplan_apply import TOP_LEVEL

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "ami"

Scenario = Callable[[AmiSession], Awaitable[None]]


async def answered(ami: AmiSession) -> None:
    """A queue call answered by agent 8001, who talks 3 s and hangs up."""
    await log_in(ami, "sales", "8001", talk=3)
    await originate_caller(ami, "sales", wait=12, channel_id="cust-1")
    await asyncio.sleep(8)


async def abandon(ami: AmiSession) -> None:
    """The only agent is paused; the caller hangs up after 3 s in the queue."""
    await log_in(ami, "sales", "8001", talk=3, paused=True)
    await originate_caller(ami, "sales", wait=3)
    await asyncio.sleep(5)


async def transfer(ami: AmiSession) -> None:
    """8001 answers, then blind-transfers the call to agent 8002 through [pbx-agent]."""
    await log_in(ami, "sales", "8001", talk=30)
    await log_in(ami, "sales", "8002", talk=4, paused=True)
    await originate_caller(ami, "sales", wait=20)
    await asyncio.sleep(3)
    listing = await ami.command("core show channels concise")
    device = next(
        line.split("!")[0]
        for line in listing.splitlines()
        if line.startswith("Local/t30-8001@test-agents") and line.split("!")[0].endswith(";1")
    )
    await ami.action("BlindTransfer", Channel=device, Context="pbx-agent", Exten="8002")
    await asyncio.sleep(8)


async def pause(ami: AmiSession) -> None:
    """Log in, pause with a reason, unpause, log out."""
    await log_in(ami, "sales", "8001", talk=3)
    await ami.action(
        "QueuePause", Interface="Local/8001@pbx-agent/n", Paused="true", Reason="lunch"
    )
    await asyncio.sleep(0.5)
    await ami.action("QueuePause", Interface="Local/8001@pbx-agent/n", Paused="false")
    await asyncio.sleep(0.5)
    await ami.action("QueueRemove", Queue="sales", Interface="Local/8001@pbx-agent/n")


async def live(ami: AmiSession) -> None:
    """Lists taken mid-call: one caller talking to 8001, one waiting in support."""
    await log_in(ami, "sales", "8001", talk=30)
    await log_in(ami, "sales", "8002", talk=30, paused=True, reason="lunch")
    await originate_caller(ami, "sales", wait=30)
    await originate_caller(ami, "support", wait=30, number="13900002222")
    await asyncio.sleep(3)


async def local_phone(ami: AmiSession) -> None:
    """8001's phone is a Local channel the controller knows only from [pbx-agent]'s Dial (the
    member's state interface is a Custom device): its ;2 half hangs up first, and is 8001's."""
    await ami.action("DBPut", Family="pbx-agent", Key="8001", Val="Local/t3-8001@test-agents")
    await ami.action("Setvar", Variable="DEVICE_STATE(Custom:pbx-test-8001)", Value="NOT_INUSE")
    await ami.action(
        "QueueAdd", Queue="sales", Interface="Local/8001@pbx-agent/n", MemberName="8001",
        StateInterface="Custom:pbx-test-8001",
    )  # fmt: skip
    await originate_caller(ami, "sales", wait=12, channel_id="cust-local")
    await asyncio.sleep(8)


# A caller who presses keys: answers, waits for the menu, sends the digits after "k", waits.
CALLER_WITH_KEYS = """
[test-keys]
exten => _k.,1,Answer()
 same => n,Wait(2)
 same => n,SendDTMF(${EXTEN:1})
 same => n,Wait(20)
 same => n,Hangup()
"""


async def inbound(ami: AmiSession) -> None:
    """The whole inbound flow on the 24-hour line: the route, the controller's decision (no
    FastAGI server here: the route's own destination), the main menu, key 1 into sales with
    its recording; 8001 answers and talks 3 s. The call's attributes come as PbxCall marks."""
    await log_in(ami, "sales", "8001", talk=3)
    await ami.action(
        "Originate", Channel="Local/k1@test-keys", Context="pbx-from-trunk",
        Exten="+8675586009999", Priority=1, Async="true", CallerID="13900001111 <13900001111>",
        ChannelId="cust-in", OtherChannelId="cust-in-b",
    )  # fmt: skip
    await asyncio.sleep(14)


SCENARIOS: dict[str, Scenario] = {
    "inbound": inbound,
    "answered": answered,
    "local-phone": local_phone,
    "abandon": abandon,
    "transfer": transfer,
    "pause": pause,
    "live": live,
}


async def record(name: str, scenario: Scenario) -> None:
    settings = load_settings()
    sandbox = AsteriskSandbox(settings.sandbox_root)
    files = dict(TOP_LEVEL)
    files["extensions.conf"] += TEST_CONTEXTS + CALLER_WITH_KEYS
    sandbox.start(files, "recorder", secrets.token_urlsafe(12), free_port())
    try:
        lab = sandbox_settings(sandbox, Path(tempfile.mkdtemp()), free_port(socket.SOCK_DGRAM))
        account = sandbox.ami
        credentials = AmiCredentials(account.host, account.port, account.username, account.secret)
        async with await AmiSession.open(credentials) as ami:
            await prepare(lab, example_company)
            reader, writer = await asyncio.open_connection(account.host, account.port)
            login = f"Action: Login\r\nUsername: {account.username}\r\nSecret: {account.secret}"
            writer.write((login + "\r\n\r\n").encode())
            recorded = bytearray()

            async def keep() -> None:
                while data := await reader.read(65536):
                    recorded.extend(data)

            keeper = asyncio.create_task(keep())
            await asyncio.sleep(0.3)
            await scenario(ami)
            await asyncio.sleep(1)
            writer.write(RESYNC_ACTIONS)
            await asyncio.sleep(0.5)
            keeper.cancel()
            writer.close()
        (OUT / f"{name}.ami").write_bytes(bytes(recorded))
        print(f"{name}: {len(recorded)} bytes")
    finally:
        sandbox.stop()


def main(names: list[str]) -> None:
    for name in names or list(SCENARIOS):
        asyncio.run(record(name, SCENARIOS[name]))


if __name__ == "__main__":
    main(sys.argv[1:])
