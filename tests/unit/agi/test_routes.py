"""Every route through the real server and a fake Asterisk peer (SQLite for the stores)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
import yaml
from sqlalchemy import Engine

from controller.agi.callback_store import CallbackStore
from controller.agi.callbacks import CallbackService
from controller.agi.routes import route_table
from controller.agi.server import AgiServer
from controller.agi.service import dialable
from controller.agi.services import AgiServices, FixedRules
from controller.agi.stores import SurveyAnswer
from controller.db.engine import make_engine
from controller.db.migrate import upgrade
from controller.db.models.history import CallbackState
from controller.pbxconfig.load import parse_config
from controller.routing.live import AgentLive, QueueLive, StaticLiveView
from controller.routing.rules import Rules, build_rules
from tests.conftest import EXAMPLE
from tests.db.test_agi_stores import FakeAmi
from tests.unit.agi.asterisk_parsing import agi_parse_args, separate_args
from tests.unit.agi.fake_peer import call

pytestmark = pytest.mark.asyncio(loop_scope="function")

NOW = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)  # Tuesday 11:00 in Shanghai
NASTY_NAME = '赵明, "老客户" (VIP) \\ [A]'


def _rules() -> Rules:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["customers"][0]["name"] = NASTY_NAME
    # support asks "how did we do?" on a scale of 1 to 3.
    data["queues"][1]["survey"] = {"prompts": {"zh": "custom/survey"}, "scale": 3,
                                   "question": "solved"}  # fmt: skip
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return build_rules(parse_config(text).config, revision=1)


class Surveys:
    def __init__(self) -> None:
        self.saved: list[SurveyAnswer] = []

    async def save(self, answer: SurveyAnswer) -> int:
        self.saved.append(answer)
        return len(self.saved)


@dataclass
class Env:
    server: AgiServer
    services: AgiServices
    ami: FakeAmi
    store: CallbackStore
    surveys: Surveys

    async def call(self, script: str, args: Sequence[str] = (), **kw: object) -> dict[str, str]:
        session = await call(self.server.port, script, args, **kw)  # type: ignore[arg-type]
        self.commands = session.commands
        return variables(session.commands)


def variables(commands: Sequence[str]) -> dict[str, str]:
    got: dict[str, str] = {}
    for command in commands:
        words = agi_parse_args(command)
        if words[:2] != ["SET", "VARIABLE"]:
            continue
        if words[2].startswith("ARRAY("):
            names, values = separate_args(words[2][6:-1]), separate_args(words[3])
            got.update(zip(names, values, strict=True))
        else:
            got[words[2]] = words[3]
    return got


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('routes') / 'pbx.sqlite3'}")
    upgrade(engine)
    return engine


@pytest_asyncio.fixture
async def env(engine: Engine, tmp_path: Path) -> AsyncIterator[Env]:
    rules = _rules()
    live = StaticLiveView(
        {"8001": AgentLive("8001", {"sales": False}, in_use=False, idle_since=1.0)},
        {
            "sales": QueueLive("sales", 4, 1, 1, 0, 120.0),
            "support": QueueLive("support", 0, 0, 0, 0),
        },
    )
    ami = FakeAmi()
    store = CallbackStore(engine, f"test-{tmp_path.name}")
    surveys = Surveys()
    services = AgiServices(FixedRules(rules), live=live, clock=lambda: NOW, surveys=surveys)  # type: ignore[arg-type]
    services.callbacks = CallbackService(store, ami, lambda: rules, lambda: NOW, dialable)
    server = AgiServer(route_table(services), command_timeout=2)
    await server.start("127.0.0.1", 0)
    yield Env(server, services, ami, store, surveys)
    await server.stop(grace=0.5)


async def test_inbound_sticky_vip_with_a_name_full_of_separators(env: Env) -> None:
    got = await env.call("inbound", ["main-number", "+8675586001234"], caller="13800138000")
    assert got["PBX_CUSTOMER_NAME"] == NASTY_NAME
    assert got["__PBX_VIP"] == "1"
    assert got["PBX_REGION"] == "北京市"
    assert got["PBX_DEST_CONTEXT"] == "pbx-sticky"
    assert (got["PBX_STICKY_AGENT"], got["PBX_STICKY_CONTEXT"]) == ("8001", "pbx-queue-support")
    assert list(got)[-1] == "PBX_AGI_OK"
    assert len(env.commands) == 1  # one round trip for the whole decision


async def test_inbound_blacklisted(env: Env) -> None:
    got = await env.call("inbound", ["main-number", "x"], caller="17000001111")
    assert (got["PBX_DEST_CONTEXT"], got["PBX_AGI_OK"]) == ("pbx-reject", "1")


async def test_inbound_callback_offer(env: Env) -> None:
    env.services.live.agents.clear()  # type: ignore[attr-defined]
    got = await env.call("inbound", ["hotline-400", "4008601234"], caller="13012345678")
    assert got["PBX_DEST_CONTEXT"] == "pbx-ivr-main"  # the IVR: no queue known yet, no offer
    env.services.rules_source = FixedRules(_direct_to_sales())
    got = await env.call("inbound", ["main-number", "x"], caller="13012345678")
    assert got["PBX_DEST_CONTEXT"] == "pbx-queue-sales"
    assert (got["PBX_CB_OFFER"], got["PBX_CB_OFFER_PROMPT"]) == ("sales", "custom/press-5-callback")


def _direct_to_sales() -> Rules:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["inbound_routes"][0]["destination"] = "queue:sales"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return build_rules(parse_config(text).config, revision=2)


async def test_inbound_without_rules_falls_back(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    env.services.rules_source = FixedRules(None)
    with caplog.at_level(logging.ERROR, logger="controller.agi"):
        got = await env.call("inbound", ["main-number", "x"], uniqueid="1700.77")
    assert got == {}
    assert "uniqueid=1700.77" in caplog.text


async def test_caller_lookup_and_outbound(env: Env) -> None:
    got = await env.call("caller-lookup", caller="+14155550123")
    assert (got["PBX_CUSTOMER_CODE"], got["CHANNEL(language)"]) == ("C10003", "en")
    got = await env.call("outbound", ["international", "0014155550123"])
    assert got["PBX_TRUNKS"] == "telecom:30:+8675586001234&voip-backup:0:+8675586001234"


async def test_survey(env: Env) -> None:
    def answer(command: str) -> list[str]:
        return ["200 result=1 (1700.5)"] if command.startswith("GET VARIABLE") else ["200 result=1"]

    # Offered in support (after 8001 hung up), then answered 3 of 3; then a survey of one's
    # own dialplan without a queue (1..5, "csat").
    assert await env.call("survey", ["offer", "8001", "support"], answer=answer) == {
        "PBX_AGI_OK": "1"
    }
    assert await env.call("survey", ["3", "8001", "support"], answer=answer) == {"PBX_AGI_OK": "1"}
    assert await env.call("survey", ["4", "8001"], answer=answer) == {"PBX_AGI_OK": "1"}
    got = [
        (a.linkedid, a.queue, a.agent_code, a.question, a.score, a.scale_max)
        for a in env.surveys.saved
    ]
    assert got == [
        ("1700.5", "support", "8001", "solved", None, 3),
        ("1700.5", "support", "8001", "solved", 3, 3),
        ("1700.5", None, "8001", "csat", 4, 5),
    ]
    # Not a key of the survey's scale: nothing stored, no PBX_AGI_OK (the dialplan asks again).
    assert await env.call("survey", ["4", "8001", "support"], answer=answer) == {}
    assert await env.call("survey", ["9"]) == {}
    assert await env.call("survey", ["*", "8001"]) == {}
    # A queue without a survey asks nothing.
    assert await env.call("survey", ["offer", "8001", "sales"], answer=answer) == {}
    assert len(env.surveys.saved) == 3


def _caller(confirm_key: str | None) -> object:
    """Answers of a caller's channel during queue-callback; presses ``confirm_key`` at GET DATA."""

    def answer(command: str) -> list[str]:
        if command.startswith("GET VARIABLE") and "QUEUE_PRIO" in command:
            return ["200 result=1 (10)"]
        if command.startswith("GET VARIABLE"):
            return ["200 result=1 (1700.3)"]
        if command.startswith("GET DATA"):
            return [f"200 result={confirm_key}" if confirm_key else "200 result= (timeout)"]
        return ["200 result=0 endpos=1000"]

    return answer


async def test_queue_callback_confirmed(env: Env) -> None:
    got = await env.call(
        "queue-callback", ["sales", "3"], caller="13900001111", answer=_caller("1")
    )
    assert got == {"PBX_DEST_CONTEXT": "pbx-hangup", "PBX_DEST_EXTEN": "s", "PBX_AGI_OK": "1"}
    originate = [f for n, f in env.ami.actions if n == "Originate"]
    assert len(originate) == 1
    assert {"PBX_CB_POSITION=3", "PBX_CB_PRIORITY=10", "PBX_CB_NUMBER=13900001111"} <= set(
        originate[0]["Variable"]  # type: ignore[arg-type]
    )
    assert any(c.startswith("SAY DIGITS 13900001111") for c in env.commands)
    # The same number again while the first is waiting: refused, back into the queue.
    again = await env.call(
        "queue-callback", ["sales", "1"], caller="13900001111", answer=_caller("1")
    )
    assert again == {}
    assert 'STREAM FILE sorry ""' in env.commands


async def test_queue_callback_not_confirmed_takes_the_place_back(env: Env) -> None:
    got = await env.call(
        "queue-callback", ["sales", "2"], caller="13900002222", answer=_caller(None)
    )
    assert got == {"PBX_CB_POSITION_LEFT": "2"}  # no PBX_AGI_OK: the caller re-enters there
    assert "Hangup" in env.ami.names()
    assert not await env.services.callbacks.is_waiting("sales", "+8613900002222")  # type: ignore[union-attr]


async def test_queue_callback_caller_hangs_up_while_confirming(env: Env) -> None:
    def answer(command: str) -> list[str]:
        if command.startswith("GET DATA"):
            raise ConnectionResetError  # the peer goes away instead of answering
        return _caller("1")(command)  # type: ignore[operator]

    with pytest.raises(ConnectionResetError):
        await env.call("queue-callback", ["sales", "4"], caller="13900003333", answer=answer)
    from tests.unit.agi.fake_peer import wait_until

    await wait_until(lambda: "Hangup" in env.ami.names())
    await wait_until(lambda: env.server.active_sessions == 0)


async def test_queue_callback_refused_outside_a_callback_queue(env: Env) -> None:
    assert await env.call("queue-callback", ["nope", "1"], answer=_caller("1")) == {}
    assert env.ami.names() == []


async def test_callback_dial_and_result(env: Env) -> None:
    await env.call("queue-callback", ["sales", "1"], caller="13900004444", answer=_caller("1"))
    row_id = int(
        next(v for v in env.ami.actions[0][1]["Variable"] if v.startswith("PBX_CB_ID=")).split("=")[
            1
        ]
    )  # type: ignore[attr-defined]

    def agent_leg(command: str) -> list[str]:
        if command.startswith("GET FULL VARIABLE"):
            return ["200 result=1 (8001)"]
        return ["200 result=1"]

    got = await env.call("callback-dial", [str(row_id)], answer=agent_leg)
    assert got == {"PBX_AGI_OK": "1"}  # go on and dial the customer
    got = await env.call("callback-result", [str(row_id), "ANSWER"])
    assert got == {"PBX_AGI_OK": "1"}
    row = env.store.get(row_id)
    assert row is not None
    assert row.state is CallbackState.DONE
    # A finished request is never dialled again: the agent hears goodbye instead.
    got = await env.call("callback-dial", [str(row_id)], answer=agent_leg)
    assert got["PBX_DEST_CONTEXT"] == "pbx-hangup"
