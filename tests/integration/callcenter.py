"""A complete call center on the sandbox Asterisk, and one scripted call for each outcome the
history defines: what the outcome, durability and recovery tests drive.

The company is the example company made testable (tests/integration/test_dialplan_apply.py)
plus routes that reach every outcome: a direct line into the sales queue, a line whose time
condition is closed today (a holiday), a line straight into a voicemail box. Agents have no
phones: ``Local/t<secs>-<code>@test-agents`` answers and talks <secs> seconds. Callers come
in over ``[pbx-from-trunk]`` as Local channels whose other half plays a script.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import yaml

from controller.ami.session import AmiSession
from tests.integration.ami_lab import TEST_CONTEXTS
from tests.integration.running import until
from tests.integration.test_agi_routing import (
    CONTEXTS as ROUTING_CONTEXTS,
)
from tests.integration.test_agi_routing import (
    MAIN_DID,
    SALES_DID,
    _company_for_routing,
)
from tests.integration.test_dialplan_apply import TOP_LEVEL

CLOSED_DID = "4008600001"  # a time condition closed today: a holiday
VOICEMAIL_DID = "4008600002"  # straight into mailbox 1010
BLACKLISTED = "17000001111"  # customer C10004 of the example company

CONTEXTS = """
; A phone that dials a number that is busy (no SIP phone needed for the 486).
[test-dialer]
exten => busy,1,Set(__PBX_DIRECTION=outbound)
 same => n,Gosub(pbx-mark,s,1)
 same => n,Dial(Local/s@test-busy)
 same => n,Hangup()

[test-busy]
exten => s,1,Busy(5)
"""


def files() -> dict[str, str]:
    """The sandbox's configuration: the generated files are included, test contexts added."""
    return {
        **TOP_LEVEL,
        "extensions.conf": TOP_LEVEL["extensions.conf"] + TEST_CONTEXTS + ROUTING_CONTEXTS
        + CONTEXTS,
        "features.conf": "[general]\n\n[featuremap]\natxfer => *2\nblindxfer => ##\n",
    }  # fmt: skip


def company(sip_port: int, dead_port: int) -> str:
    data = yaml.safe_load(_company_for_routing(sip_port, dead_port))
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    data["holiday_calendars"].append(
        {"name": "test-today", "holidays": [{"date": today, "name": "test holiday"}]}
    )
    data["time_conditions"].append(
        {
            "name": "test-closed",
            "rules": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                       "start": "00:00", "end": "24:00"}],
            "calendars": ["test-today"],
            "open": "queue:sales",
            "closed": "hangup",
        }
    )  # fmt: skip
    data["inbound_routes"] += [
        {"name": "closed-line", "did": CLOSED_DID, "destination": "time_condition:test-closed"},
        {"name": "voicemail-line", "did": VOICEMAIL_DID, "destination": "voicemail:1010"},
    ]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def agent_device(code: str, talk: int) -> str:
    return f"Local/t{talk}-{code}@test-agents"


@dataclass
class Caller:
    """What a scenario started: the Linkedid to look for, and what the history must say."""

    linkedid: str
    outcome: str
    queue: str | None = None
    agents: tuple[str, ...] = ()


async def inbound(ami: AmiSession, script: str, did: str, number: str, linkedid: str) -> None:
    """A caller on the trunk dials ``did``; ``script`` (``w<secs>@test-caller``,
    ``s@test-waiter``, ``s@test-cb-caller``) is what they do."""
    await ami.action(
        "Originate", Channel=f"Local/{script}", Context="pbx-from-trunk", Exten=did,
        Priority=1, Async="true", Timeout=30000, CallerID=f"{number} <{number}>",
        ChannelId=linkedid, OtherChannelId=linkedid + "-b",
    )  # fmt: skip


async def from_phone(ami: AmiSession, channel: str, linkedid: str, seconds: int = 10) -> None:
    """A phone's call: ``channel`` runs the dialplan, the phone waits ``seconds``."""
    await ami.action(
        "Originate", Channel=channel, Application="Wait", Data=str(seconds), Async="true",
        Timeout=30000, CallerID="1001 <1001>", ChannelId=linkedid, OtherChannelId=linkedid + "-b",
    )  # fmt: skip


Check = Callable[[], Awaitable[bool]]


def tag(prefix: str) -> str:
    """A Linkedid no earlier run of the cached sandbox used (its records persist)."""
    return f"{prefix}-{time.time_ns() // 1_000_000 % 100_000_000}"


__all__ = ["BLACKLISTED", "CLOSED_DID", "MAIN_DID", "SALES_DID", "VOICEMAIL_DID", "until"]
