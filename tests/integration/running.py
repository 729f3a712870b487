"""A running call center for the tests that place real calls through the sandbox Asterisk.

:func:`running` imports a company into a fresh database, applies it to the sandbox, starts
`pbxctl serve`'s :class:`~controller.service.Controller` on free ports, waits until it has
synced with Asterisk, and opens the test's own AMI session that records every event with the
time it arrived. What the live-state, cost, survey, webhook, outcome and browser tests each
used to set up by hand.

It is a context manager, not a fixture: tests/sandbox_fixtures.py is the only place that
defines sandbox fixtures (a second definition would start a second Asterisk on the same root).
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientSession
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from controller.access.store import create_token
from controller.ami.protocol import Message
from controller.ami.session import AmiCredentials, AmiSession
from controller.config import AgiSettings, AmiSettings, ApiSettings, AsteriskSettings, Settings
from controller.db.engine import make_engine, session_factory, transaction
from controller.db.migrate import upgrade
from controller.db.models import Call, Handling
from controller.dialplan import service as dialplan
from controller.dialplan.apply import Outcome
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from controller.sandbox import AsteriskSandbox
from controller.service import Controller
from tests.integration.test_dialplan_apply import _company

# The company's YAML for the SIP port the sandbox listens on and a port where no trunk answers.
Company = Callable[[int, int], str]


def example_company(sip_port: int, dead_port: int) -> str:
    """The example company made testable (tests/integration/test_dialplan_apply.py)."""
    return _company(sip_port, dead_port, holiday_today=False)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sandbox_settings(sandbox: AsteriskSandbox, data_dir: Path, sip_port: int) -> Settings:
    """The controller's settings for the sandbox: its AMI account and directories, free
    FastAGI and API ports, the database a file in ``data_dir``."""
    account = sandbox.ami
    return Settings(
        data_dir=data_dir,
        ami=AmiSettings(host=account.host, port=account.port, username=account.username,
                        secret=SecretStr(account.secret)),
        agi=AgiSettings(port=free_port()),
        api=ApiSettings(port=free_port()),
        asterisk=AsteriskSettings(
            config_dir=sandbox.etc_dir, recordings_dir=sandbox.monitor_dir,
            log_dir=sandbox.log_dir, sip_bind=f"127.0.0.1:{sip_port}",
        ),
    )  # fmt: skip


def import_company(settings: Settings, text: str) -> None:
    """The company's YAML imported into the database of ``settings`` (all or nothing)."""
    engine = make_engine(settings.effective_database_url)
    try:
        with session_factory(engine)() as session, session.begin():
            import_config(session, parse_config(text, "company.yaml"))
    finally:
        engine.dispose()


async def apply(settings: Settings) -> dialplan.Applied:
    """What the database holds, applied to the sandbox as `pbxctl dialplan apply` does."""
    engine = make_engine(settings.effective_database_url)
    try:
        return await dialplan.apply_from_database(settings, engine)
    finally:
        engine.dispose()


async def prepare(settings: Settings, company: Company) -> None:
    """``company`` imported into the (fresh) database of ``settings`` and applied."""
    sip_port = int(settings.asterisk.sip_bind.rsplit(":", 1)[1])
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    engine.dispose()
    import_company(settings, company(sip_port, free_port()))
    applied = await apply(settings)
    assert applied.report.outcome is Outcome.APPLIED, applied.report.render()


async def until(what: str, check: Callable[[], object], within: float = 30.0) -> Any:
    """``check()``'s first truthy result, polled every 50 ms; fails after ``within`` s."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what}: not within {within} s")


@dataclass
class Running:
    sandbox: AsteriskSandbox
    settings: Settings
    controller: Controller
    ami: AmiSession  # the test's own session, not the controller's (filtered) one
    received: list[tuple[float, Message]]  # every event of that session, with time.time()
    token: str  # an admin API token

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.settings.api.port}"

    @property
    def events(self) -> list[Message]:
        return [event for _, event in self.received]

    def event_at(self, name: str, **fields: str) -> tuple[float, Message] | None:
        """The first event ``name`` whose fields have these values, and when it arrived."""
        for at, event in self.received:
            if event.get("Event") == name and all(event.get(k) == v for k, v in fields.items()):
                return at, event
        return None

    def event(self, name: str, **fields: str) -> Message | None:
        found = self.event_at(name, **fields)
        return found[1] if found else None

    async def until(self, what: str, check: Callable[[], object], within: float = 20.0) -> Any:
        return await until(what, check, within)

    def stored(self, linkedid: str) -> Call | None:
        """The call in the history, with its queue legs and handlings (and their holds)."""
        with session_factory(self.controller.engine)() as session:
            return session.scalar(
                select(Call)
                .where(Call.linkedid == linkedid)
                .options(
                    selectinload(Call.queue_legs),
                    selectinload(Call.handlings).selectinload(Handling.holds),
                )
            )

    async def history(self, linkedid: str, within: float = 40.0) -> Call:
        """The call once the history writer has stored it."""
        call = await until(f"call {linkedid} in the history", lambda: self.stored(linkedid),
                           within)  # fmt: skip
        assert isinstance(call, Call)
        return call

    async def request(self, method: str, path: str, body: object | None = None) -> tuple[int, Any]:
        """The API's status and JSON answer, as the admin token."""
        async with ClientSession() as http:
            response = await http.request(
                method, self.base + path, json=body,
                headers={"Authorization": f"Bearer {self.token}"},
            )  # fmt: skip
            return response.status, await response.json()

    async def get(self, path: str) -> Any:
        status, answer = await self.request("GET", path)
        assert status == 200, (path, status, answer)
        return answer

    async def post(self, path: str, body: object | None = None) -> tuple[int, Any]:
        return await self.request("POST", path, body)


@asynccontextmanager
async def running(
    sandbox: AsteriskSandbox,
    data_dir: Path,
    company: Company,
    *,
    configure: Callable[[Settings], Settings] | None = None,
    seed: Callable[[Session], None] | None = None,
) -> AsyncIterator[Running]:
    """The call center on ``sandbox`` (started by the test with the files it needs).

    ``configure`` adjusts the settings before anything starts; ``seed`` adds rows (users,
    tokens, endpoints) in the controller's database before the controller starts.
    """
    settings = sandbox_settings(sandbox, data_dir, free_port(socket.SOCK_DGRAM))
    if configure is not None:
        settings = configure(settings)
    await prepare(settings, company)
    account = sandbox.ami
    credentials = AmiCredentials(account.host, account.port, account.username, account.secret)
    async with await AmiSession.open(credentials) as ami:
        received: list[tuple[float, Message]] = []
        ami.on_event = lambda message: received.append((time.time(), message))
        controller = Controller(settings, shutdown_flush=5.0)
        with transaction(controller.factory) as session:
            token = create_token(session, "tests", "admin")
            if seed is not None:
                seed(session)
        await controller.start()
        try:
            await asyncio.wait_for(controller.live.synced.wait(), 15)
            yield Running(sandbox, settings, controller, ami, received, token)
        finally:
            await controller.stop()
