"""An API under test: a migrated SQLite database with the example company, a tracker fed
with a recorded transcript, history written from others, and a fake AMI behind the actions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from controller.access.directory import AgentDirectory
from controller.access.store import create_token
from controller.agents.service import AgentService
from controller.ami.actions import CallActions
from controller.ami.protocol import Message
from controller.ami.replay import replay
from controller.ami.tracker import Tracker
from controller.db.engine import make_engine, session_factory
from controller.db.migrate import upgrade
from controller.history.store import SiteInfo, write_batch
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from controller.web.app import create_app
from controller.web.auth import Authenticator
from controller.web.gate import Gate
from controller.web.hub import Hub
from controller.web.keys import WebServices
from tests.conftest import EXAMPLE
from tests.db.test_agent_service import RecordingAmi

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ami"


@dataclass
class FakeClient:
    """What CallActions needs from AmiClient; records every action."""

    sent: list[tuple[str, dict[str, object]]] = field(default_factory=list)

    async def action(self, name: str, **fields: object) -> Message:
        self.sent.append((name, fields))
        return Message([("Response", "Success")])

    async def originate(
        self, channel_id: str, *, known: object = None, **fields: object
    ) -> Message:
        self.sent.append(("Originate", {"ChannelId": channel_id, "Async": "true", **fields}))
        return Message([("Response", "Success")])


@pytest.fixture(scope="module")
def api_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('api') / 'pbx.sqlite3'}")
    upgrade(engine)
    factory = session_factory(engine)
    with factory() as session, session.begin():
        import_config(session, parse_config(EXAMPLE.read_text(encoding="utf-8"), "company.yaml"))
    history = Tracker("pbx1", queue_wrapup={"sales": 15})
    for name in ("answered", "transfer", "abandon"):
        replay((FIXTURES / f"{name}.ami").read_bytes(), history, start=1_795_467_800.0)
    box = history.drain()
    write_batch(factory, [*box.intervals, *box.finished], SiteInfo.load(factory))
    yield engine
    engine.dispose()


@dataclass
class Api:
    client: TestClient
    token: str
    token_name: str
    services: WebServices
    fake_ami: FakeClient
    agents_ami: RecordingAmi
    factory: sessionmaker[Session]
    extra_tokens: list[str] = field(default_factory=list)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def token_for(self, role: str, queues: list[str] | None = None) -> dict[str, str]:
        """Headers with a new token of ``role`` (narrowed to ``queues``)."""
        name = f"{self.token_name}-{role}-{len(self.extra_tokens)}"
        with self.factory() as session, session.begin():
            value = create_token(session, name, role, queues)
        self.extra_tokens.append(name)
        return {"Authorization": f"Bearer {value}"}


@pytest_asyncio.fixture
async def api(api_engine: Engine, tmp_path: Path) -> AsyncIterator[Api]:
    factory = session_factory(api_engine)
    token_name = f"test-{tmp_path.name}"
    with factory() as session, session.begin():
        token = create_token(session, token_name, "admin")
        directory = AgentDirectory.load(session)
    tracker = Tracker("pbx1", queue_wrapup={"sales": 15})
    replay((FIXTURES / "live.ami").read_bytes(), tracker, start=1_795_468_000.0)
    tracker.drain()
    fake = FakeClient()
    agents_ami = RecordingAmi()
    recordings = tmp_path / "monitor"
    recordings.mkdir()
    services = WebServices(
        tracker=tracker,
        factory=factory,
        auth=Authenticator(factory, cache_seconds=0),
        hub=Hub(tracker, interval=0.01, gate=Gate(directory)),
        recordings_dir=recordings,
        actions=CallActions(fake, tracker),  # type: ignore[arg-type]
        agents=AgentService(factory, agents_ami),
        directory=directory,
    )
    client = TestClient(TestServer(create_app(services)))
    await client.start_server()
    try:
        yield Api(client, token, token_name, services, fake, agents_ami, factory)
    finally:
        await client.close()
