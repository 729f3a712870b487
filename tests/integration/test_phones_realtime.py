"""Phones as PJSIP realtime rows on a real Asterisk 22: a phone added by an apply registers
without any PJSIP reload, a changed one takes its new password at once, a removed one is
gone; two set_var lines (ARRAY) reach the phone's channel."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio
import yaml

from bench import sip_register
from controller.ami.protocol import Message
from controller.ami.session import AmiCredentials, AmiSession
from controller.config import Settings
from controller.db.engine import make_engine
from controller.db.migrate import upgrade
from controller.dialplan import phones, service
from controller.dialplan.apply import Outcome
from controller.dialplan.render import Module
from controller.sandbox import AsteriskSandbox
from tests.integration.running import (
    apply,
    example_company,
    free_port,
    import_company,
    sandbox_settings,
)
from tests.integration.test_dialplan_apply import TOP_LEVEL

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]

NEW = "1099"
PASSWORD = "Rt7-new-desk-Pw9x"


def register(server: str, user: str, password: str, sock: socket.socket | None = None) -> int:
    """The REGISTER's final status; 0 when Asterisk did not answer (an unknown phone)."""
    try:
        return sip_register.register(server, user, password, timeout=2.0, sock=sock)
    except TimeoutError:
        return 0


class Site:
    def __init__(self, sandbox: AsteriskSandbox, settings: Settings, ami: AmiSession) -> None:
        self.sandbox, self.settings, self.ami = sandbox, settings, ami
        self.events: list[Message] = []
        self.data: dict = {}

    def import_data(self) -> None:
        import_company(self.settings, yaml.safe_dump(self.data, allow_unicode=True,
                                                     sort_keys=False))  # fmt: skip

    async def apply(self) -> service.Applied:
        return await apply(self.settings)

    @property
    def server(self) -> str:
        return self.settings.asterisk.sip_bind

    def reloads(self, since: int) -> list[Message]:
        return [e for e in self.events[since:] if e.get("Event") == "Reload"]


@pytest_asyncio.fixture
async def site(
    restart_asterisk: Callable[..., AsteriskSandbox], tmp_path: Path
) -> AsyncIterator[Site]:
    started = restart_asterisk(TOP_LEVEL)
    account = started.ami
    sip_port = free_port(socket.SOCK_DGRAM)
    settings = sandbox_settings(started, tmp_path, sip_port)
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    engine.dispose()
    credentials = AmiCredentials(account.host, account.port, account.username, account.secret)
    async with await AmiSession.open(credentials) as ami:
        result = Site(started, settings, ami)
        ami.on_event = result.events.append
        result.data = yaml.safe_load(example_company(sip_port, free_port()))
        for trunk in result.data["trunks"]:
            # Trunks are matched by source address: away from the phones' 127.0.0.1.
            trunk["host"] = "127.0.0.2"
        result.import_data()
        applied = await result.apply()
        assert applied.report.outcome is Outcome.APPLIED, applied.report.render()
        yield result


async def test_phones_are_rows_and_a_new_phone_registers_without_a_pjsip_reload(
    site: Site,
) -> None:
    generated = service.generated_dir(site.settings)
    on_disk = (generated / "pjsip.conf").read_text(encoding="utf-8")
    assert "[1001]" not in on_disk
    assert "pbx-phone-" not in on_disk
    assert "voip-backup" in on_disk  # trunks stay in the file
    assert "Endpoint:  1001" in site.sandbox.cli("pjsip show endpoint 1001")

    site.data["extensions"].append(
        {"number": NEW, "name": "New desk", "phone": {"password": PASSWORD}}
    )
    site.import_data()
    assert register(site.server, NEW, PASSWORD) != 200  # not there yet
    since = len(site.events)
    applied = await site.apply()
    done = time.perf_counter()
    report = applied.report
    assert report.outcome is Outcome.APPLIED, report.render()
    assert Module.PJSIP not in report.reloaded, report.render()
    assert any(c.startswith(phones.DB_FILE) and NEW in c for c in report.changed), report.changed
    status = register(site.server, NEW, PASSWORD)
    assert status == 200
    registered = time.perf_counter() - done
    # No reload of res_pjsip (nor of anything else: only the phone's dialplan changed).
    await asyncio.sleep(0.3)
    assert not [e for e in site.reloads(since) if "pjsip" in e.get("Module", "").lower()]
    assert "pjsip.conf" not in report.changed
    contact = site.sandbox.cli(f"pjsip show aor {NEW}")
    assert f"{NEW}/sip:{NEW}@127.0.0.1" in contact, contact
    print(f"registered {registered * 1000:.0f} ms after the apply returned")

    # A new password: the old one is refused at once, the new one accepted.
    site.data["extensions"][-1]["phone"]["password"] = PASSWORD + "2"
    site.import_data()
    applied = await site.apply()
    assert applied.report.outcome is Outcome.APPLIED, applied.report.render()
    assert register(site.server, NEW, PASSWORD) != 200
    assert register(site.server, NEW, PASSWORD + "2") == 200

    # Removed: gone from Asterisk, still without a PJSIP reload.
    since = len(site.events)
    site.data["extensions"].pop()
    site.import_data()
    applied = await site.apply()
    assert applied.report.outcome is Outcome.APPLIED, applied.report.render()
    assert "Unable to find" in site.sandbox.cli(f"pjsip show endpoint {NEW}")
    assert register(site.server, NEW, PASSWORD + "2") != 200
    assert not [e for e in site.reloads(since) if "pjsip" in e.get("Module", "").lower()]


async def test_two_set_vars_reach_the_channel(site: Site) -> None:
    """1007 has an outbound caller ID: PBX_OUT_CID and __PBX_EXTEN share one realtime
    set_var (ARRAY); a call to the phone carries both."""
    password = "Pw-1007-for-the-test"
    for ext in site.data["extensions"]:
        if ext["number"] == "1007":
            ext.setdefault("phone", {})["password"] = password
            cid = ext["outbound_caller_id"]
    site.import_data()
    applied = await site.apply()
    assert applied.report.outcome is Outcome.APPLIED, applied.report.render()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as phone:
        phone.bind(("127.0.0.1", 0))
        assert register(site.server, "1007", password, sock=phone) == 200
        since = len(site.events)
        await site.ami.action(
            "Originate", Channel="PJSIP/1007", Application="Wait", Data="5",
            Async="true", Timeout=5000,
        )  # fmt: skip
        channel = ""
        for _ in range(50):
            channel = next(
                (e.get("Channel", "") for e in site.events[since:]
                 if e.get("Event") == "Newchannel" and e.get("Channel", "").startswith("PJSIP/1007")),
                "",
            )  # fmt: skip
            if channel:
                break
            await asyncio.sleep(0.1)
        assert channel, "no PJSIP/1007 channel"
        values = {}
        for name in ("PBX_OUT_CID", "PBX_EXTEN"):
            response = await site.ami.action("Getvar", Channel=channel, Variable=name)
            values[name] = response.get("Value")
        await site.ami.action("Hangup", Channel=channel)
    assert values == {"PBX_OUT_CID": cid, "PBX_EXTEN": "1007"}
