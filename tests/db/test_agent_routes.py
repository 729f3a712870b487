"""The *45-*48 FastAGI routes through the real AGI server, a fake Asterisk peer and a DB."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import Engine

from controller.agents.service import AgentService
from controller.agi.routes import route_table
from controller.agi.server import AgiServer
from controller.agi.services import AgiServices, FixedRules
from controller.db.engine import session_factory
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from tests.conftest import EXAMPLE
from tests.db.test_agent_service import RecordingAmi
from tests.unit.agi.fake_peer import call

pytestmark = pytest.mark.asyncio(loop_scope="function")


@pytest_asyncio.fixture
async def served(engine: Engine) -> AsyncIterator[tuple[int, RecordingAmi]]:
    factory = session_factory(engine)
    with factory() as session, session.begin():
        import_config(session, parse_config(EXAMPLE.read_text(encoding="utf-8"), "company.yaml"))
    ami = RecordingAmi()
    services = AgiServices(rules_source=FixedRules(None), agents=AgentService(factory, ami))
    server = AgiServer(route_table(services))
    await server.start("127.0.0.1", 0)
    try:
        yield server.port, ami
    finally:
        await server.stop()


def agi_ok(commands: list[str]) -> bool:
    return 'SET VARIABLE PBX_AGI_OK "1"' in commands


async def test_feature_codes_log_in_pause_unpause_and_log_out(
    served: tuple[int, RecordingAmi],
) -> None:
    port, ami = served
    for route in ("agent-login", "agent-pause", "agent-unpause", "agent-logout"):
        session = await call(port, route, ["1002"], caller="1002")
        assert agi_ok(session.commands), (route, session.commands)
    names = ami.names()
    assert names.index("QueueAdd") < names.index("QueuePause") < names.index("QueueRemove")
    pause = next(fields for name, fields in ami.sent if name == "QueuePause")
    assert (pause["Interface"], pause["Reason"]) == ("Local/8002@pbx-agent/n", "break")


async def test_a_phone_that_is_no_agents_gets_the_fallback(
    served: tuple[int, RecordingAmi],
) -> None:
    port, ami = served
    session = await call(port, "agent-login", ["1010"], caller="1010")
    assert not agi_ok(session.commands)
    assert ami.sent == []
