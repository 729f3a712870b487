"""Per-queue login on the real Asterisk: 8003 serves sales and support (both need a login);
the agent service signs it in and out of one queue at a time, and after Asterisk forgets its
members the reapply puts 8003 back in the same queues only."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from controller.agents.service import AgentService
from controller.ami.session import AmiCredentials, AmiSession
from controller.db.engine import make_engine, session_factory
from controller.sandbox import AsteriskSandbox
from tests.integration.ami_lab import TEST_CONTEXTS, agent_device
from tests.integration.running import example_company, free_port, prepare, sandbox_settings
from tests.integration.test_dialplan_apply import TOP_LEVEL

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]

FILES = {**TOP_LEVEL, "extensions.conf": TOP_LEVEL["extensions.conf"] + TEST_CONTEXTS}


async def _queues_of(ami: AmiSession, code: str) -> dict[str, str]:
    """Queue -> state interface of ``code``'s membership, as Asterisk has it."""
    listed = await ami.list_action("QueueStatus")
    return {
        m["Queue"]: m.get("StateInterface", "")
        for m in listed
        if m.get("Event") == "QueueMember" and m.get("Name") == code
    }


async def test_per_queue_login_in_asterisk_and_after_it_forgets(
    restart_asterisk: Callable[..., AsteriskSandbox], tmp_path: Path
) -> None:
    sandbox = restart_asterisk(FILES)
    settings = sandbox_settings(sandbox, tmp_path, free_port(socket.SOCK_DGRAM))
    await prepare(settings, example_company)
    account = sandbox.ami
    credentials = AmiCredentials(account.host, account.port, account.username, account.secret)
    async with await AmiSession.open(credentials, events=False) as ami:
        engine = make_engine(settings.effective_database_url)
        service = AgentService(session_factory(engine), ami)
        phone = agent_device("8003", 30)
        try:
            await service.login("8003", phone, queues=["support"])
            assert await _queues_of(ami, "8003") == {"support": phone}
            await service.login("8003", queues=["sales"])  # at the same phone
            assert await _queues_of(ami, "8003") == {"sales": phone, "support": phone}
            await service.logout("8003", queues=["support"])
            assert await _queues_of(ami, "8003") == {"sales": phone}

            # As after an Asterisk restart: dynamic members gone; the database puts back sales.
            await ami.action("QueueRemove", Queue="sales", Interface="Local/8003@pbx-agent/n")
            assert await _queues_of(ami, "8003") == {}
            await service.reapply(dict)
            assert await _queues_of(ami, "8003") == {"sales": phone}

            assert await service.logout("8003", queues=["sales"]) is None  # the last one
            assert await _queues_of(ami, "8003") == {}
        finally:
            engine.dispose()
