"""The FastAGI service's database edges on SQLite, PostgreSQL and MariaDB: the rules cache,
survey answers, callback requests, the last-agent index, and the callback service."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from controller.agi import rules_cache as rc
from controller.agi.callback_store import CallbackStore
from controller.agi.callbacks import CallbackService
from controller.agi.service import dialable
from controller.agi.stores import LastAgentIndex, SurveyAnswer, SurveyStore
from controller.ami.protocol import Message
from controller.db import models as m
from controller.db.engine import session_factory
from controller.db.models.history import CallbackResult, CallbackState, CallDirection
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from controller.routing.callback import NextStep
from tests.conftest import EXAMPLE

EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")
# A Tuesday at 11:00 in Shanghai: inside the example's callback hours.
NOW = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)


def _import(engine: Engine, text: str = EXAMPLE_TEXT) -> None:
    with session_factory(engine)() as session, session.begin():
        import_config(session, parse_config(text, "company.yaml"))


def _call(engine: Engine, linkedid: str, caller: str, agent: str, at: dt.datetime) -> int:
    with session_factory(engine)() as session, session.begin():
        call = m.Call(
            server_id="default", linkedid=linkedid, direction=CallDirection.INBOUND,
            caller_number=caller, caller_e164=caller, started_at=at,
            local_date=at.date(), local_hour=at.hour,
        )  # fmt: skip
        session.add(call)
        session.flush()
        session.add(
            m.Handling(
                call_id=call.id,
                agent_code=agent,
                channel_uid=f"{linkedid}.9",
                talk_start=at,
                local_date=at.date(),
            )
        )
        return int(call.id)


# -- rules cache ---------------------------------------------------------------------------


@pytest.mark.asyncio(loop_scope="function")
async def test_rules_cache_reloads_only_when_the_revision_changes(engine: Engine) -> None:
    changes: list[int] = []
    cache = rc.RulesCache(engine, on_change=lambda rules: changes.append(rules.revision))
    assert not await cache.refresh()  # nothing imported yet: no rules, fallbacks
    assert cache.current() is None
    _import(engine)
    assert await cache.refresh()
    first = cache.current()
    assert first is not None
    assert "+8613800138000" in first.customers
    assert not await cache.refresh()  # same revision: nothing re-read
    assert cache.current() is first
    _import(
        engine, EXAMPLE_TEXT.replace("vip: true\n  - code: C10002", "vip: false\n  - code: C10002")
    )
    assert await cache.refresh()
    second = cache.current()
    assert second is not None
    assert second.revision == first.revision + 1
    assert not second.customers["+8613800138000"].vip
    assert changes == [first.revision, second.revision]


@pytest.mark.asyncio(loop_scope="function")
async def test_rules_cache_keeps_the_last_snapshot_while_the_database_is_down(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _import(engine)
    cache = rc.RulesCache(engine)
    await cache.refresh()
    kept = cache.current()

    def down(_engine: Engine) -> int:
        raise OperationalError("SELECT revision", {}, Exception("connection refused"))

    monkeypatch.setattr(rc, "read_revision", down)
    assert not await cache.refresh()
    assert not await cache.refresh()
    assert cache.current() is kept
    assert caplog.text.count("rules_database_unreachable") == 1  # logged once, not each time


# -- survey ---------------------------------------------------------------------------------


def test_survey_answers_are_linked_to_their_call(engine: Engine) -> None:
    call_id = _call(engine, "1700.1", "+8613800138000", "8001", NOW)
    store = SurveyStore(engine, "default")
    for linkedid, expected in (("1700.1", call_id), ("9999.9", None)):
        answer = SurveyAnswer(linkedid, "8001", "csat", 4, 5, NOW)
        row_id = store.save_sync(answer)
        with session_factory(engine)() as session:
            row = session.get(m.SurveyResponse, row_id)
            assert row is not None
            assert (row.call_id, row.score, row.scale_max, row.agent_code) == (
                expected, 4, 5, "8001"
            )  # fmt: skip
            assert (row.server_id, row.linkedid, row.offered_at) == ("default", linkedid, NOW)


def test_a_survey_offered_then_answered_is_one_row(engine: Engine) -> None:
    store = SurveyStore(engine, "default")
    later = NOW + dt.timedelta(seconds=7)
    offered = store.save_sync(SurveyAnswer("1700.2", "8002", "csat", None, 5, NOW, "sales"))
    # Another queue's survey of the same call stays apart.
    other = store.save_sync(SurveyAnswer("1700.2", "8003", "csat", None, 5, NOW, "support"))
    answered = store.save_sync(SurveyAnswer("1700.2", "8002", "csat", 5, 5, later, "sales"))
    unoffered = store.save_sync(SurveyAnswer("1700.3", "8002", "csat", 2, 5, later, "sales"))
    assert answered == offered
    with session_factory(engine)() as session:
        rows = {r.id: r for r in session.scalars(select(m.SurveyResponse))}
    got = {
        i: (r.queue_name, r.agent_code, r.score, r.offered_at, r.answered_at)
        for i, r in rows.items()
    }
    assert got == {
        offered: ("sales", "8002", 5, NOW, later),
        other: ("support", "8003", None, NOW, None),
        unoffered: ("sales", "8002", 2, later, later),  # the offer was not seen
    }


# -- last agent -----------------------------------------------------------------------------


def test_last_agent_index_keeps_the_latest_and_tops_up(engine: Engine) -> None:
    caller = "+8613911112222"
    _call(engine, "1.1", caller, "8001", NOW - dt.timedelta(days=3))
    _call(engine, "1.2", caller, "8002", NOW - dt.timedelta(days=1))
    _call(engine, "1.3", "+8613800138000", "8004", NOW - dt.timedelta(days=200))  # too old
    index = LastAgentIndex(engine, days=90)
    index.refresh_sync(NOW)
    assert index.last_agent(caller) == "8002"
    assert index.last_agent("+8613800138000") is None
    _call(engine, "1.4", caller, "8003", NOW + dt.timedelta(minutes=5))
    index.refresh_sync(NOW + dt.timedelta(minutes=6))
    assert index.last_agent(caller) == "8003"
    index.refresh_sync(NOW + dt.timedelta(days=120))  # nobody served them for 90 days
    assert index.last_agent(caller) is None


# -- callback requests -----------------------------------------------------------------------


def test_callback_store_life_cycle(engine: Engine) -> None:
    store = CallbackStore(engine, "default")
    number = "+8613900001111"
    later = NOW + dt.timedelta(hours=4)
    row = store.create("sales", number, 3, 10, "1700.5", NOW, later)
    assert (row.state, row.position, row.priority, row.attempts) == (
        CallbackState.PENDING, 3, 10, 0
    )  # fmt: skip
    assert store.is_waiting("sales", number, NOW)
    assert not store.is_waiting("support", number, NOW)
    assert not store.is_waiting("sales", number, later)  # expired requests do not count
    assert [r.id for r in store.active(NOW)] == [row.id]
    assert store.start_attempt(row.id, "8001", NOW) == 1
    store.end_attempt(row.id, "BUSY", NOW)
    store.back_to_pending(row.id)
    again = store.get(row.id)
    assert again is not None
    assert (again.state, again.position, again.attempts) == (CallbackState.PENDING, 1, 1)
    store.start_attempt(row.id, "8002", NOW)
    store.end_attempt(row.id, "ANSWER", NOW)
    store.finish(row.id, CallbackState.DONE, NOW)
    assert not store.is_waiting("sales", number, NOW)
    with session_factory(engine)() as session:
        results = session.scalars(
            select(m.CallbackAttempt.result).order_by(m.CallbackAttempt.id)
        ).all()
    assert results == [CallbackResult.BUSY, CallbackResult.ANSWERED]


# -- callback service (AMI faked) --------------------------------------------------------------


class FakeAmi:
    """Records actions; answers QueueStatus with the placeholders it originated."""

    def __init__(self) -> None:
        self.actions: list[tuple[str, dict[str, object]]] = []
        self.in_queue: dict[str, int] = {}  # ;2 uniqueid -> position

    async def action(self, name: str, **fields: object) -> Message:
        self.actions.append((name, fields))
        if name == "Originate":
            self.in_queue[str(fields["OtherChannelId"])] = int(
                str(next(v for v in fields["Variable"] if v.startswith("PBX_CB_POSITION="))).split(  # type: ignore[attr-defined]
                    "="
                )[1]
            )
        return Message([("Response", "Success")])

    async def list_action(self, name: str, **fields: object) -> list[Message]:
        self.actions.append((name, fields))
        return [
            Message([("Event", "QueueEntry"), ("Queue", "sales"), ("Uniqueid", uid),
                     ("Position", str(pos))])
            for uid, pos in self.in_queue.items()
        ]  # fmt: skip

    async def send(
        self, name: str, fields: dict[str, object] | None = None, timeout: float | None = None
    ) -> tuple[Message, list[Message]]:
        self.actions.append((name, fields or {}))
        if name == "Hangup":  # hanging up ;1 ends ;2 too
            pair = str((fields or {})["Channel"]).removesuffix("-d")
            self.in_queue = {k: v for k, v in self.in_queue.items() if not k.startswith(pair)}
        return Message([("Response", "Success")]), []

    def names(self) -> list[str]:
        return [name for name, _ in self.actions]


@pytest.fixture
def service(engine: Engine) -> Callable[..., tuple[CallbackService, FakeAmi]]:
    _import(engine)
    rules = rc.load_rules(engine)

    def make(clock: Callable[[], dt.datetime] = lambda: NOW) -> tuple[CallbackService, FakeAmi]:
        ami = FakeAmi()
        store = CallbackStore(engine, "default")
        return CallbackService(store, ami, lambda: rules, clock, dialable), ami

    return make


@pytest.mark.asyncio(loop_scope="function")
async def test_placeholder_keeps_the_place_then_the_customer_is_called(
    service: Callable[..., tuple[CallbackService, FakeAmi]],
) -> None:
    callbacks, ami = service()
    row = await callbacks.register("sales", "+8613900001111", 3, 10, "1700.7")
    name, fields = ami.actions[0]
    assert name == "Originate"
    assert fields["Channel"] == f"Local/{row.id:08d}@pbx-cb-hold/n"
    assert (fields["Context"], fields["Exten"], fields["Async"]) == ("pbx-cb-dial", "s", "true")
    variables = set(fields["Variable"])  # type: ignore[arg-type]
    assert {f"PBX_CB_ID={row.id}", "PBX_CB_QUEUE=sales", "PBX_CB_NUMBER=13900001111",
            "PBX_CB_POSITION=3", "PBX_CB_PRIORITY=10"} <= variables  # fmt: skip
    assert await callbacks.is_waiting("sales", "+8613900001111")

    # The agent answers while the caller still listens to the confirmation prompt.
    waiting = asyncio.ensure_future(callbacks.may_dial(row.id, "8001", wait=5))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    callbacks.confirm(row)
    verdict = await waiting
    assert verdict.dial
    assert await callbacks.dialled(row.id, "ANSWER") is NextStep.DONE
    assert not await callbacks.is_waiting("sales", "+8613900001111")


@pytest.mark.asyncio(loop_scope="function")
async def test_withdrawn_request_gives_the_place_back(
    service: Callable[..., tuple[CallbackService, FakeAmi]],
) -> None:
    callbacks, ami = service()
    row = await callbacks.register("sales", "+8613900001111", 2, 0, None)
    assert await callbacks.withdraw(row) == 2
    assert "Hangup" in ami.names()
    verdict = await callbacks.may_dial(row.id, "8001", wait=1)
    assert not verdict.dial
    assert not await callbacks.is_waiting("sales", "+8613900001111")


@pytest.mark.asyncio(loop_scope="function")
async def test_busy_customer_is_retried_then_given_up(
    service: Callable[..., tuple[CallbackService, FakeAmi]],
) -> None:
    callbacks, ami = service()
    row = await callbacks.register("sales", "+8613900001111", 1, 0, None)
    callbacks.confirm(row)
    for attempt in (1, 2):
        assert (await callbacks.may_dial(row.id, None, wait=1)).dial
        assert await callbacks.dialled(row.id, "BUSY") is NextStep.RETRY
        assert row.id in callbacks._retries  # re-queued after the queue's retry delay
        await callbacks._retry(row.id)  # what the timer does
        assert ami.names().count("Originate") == attempt + 1
    assert (await callbacks.may_dial(row.id, None, wait=1)).dial
    assert await callbacks.dialled(row.id, "NOANSWER") is NextStep.GIVE_UP  # 3 attempts
    await callbacks.stop()


@pytest.mark.asyncio(loop_scope="function")
async def test_resync_recreates_only_missing_placeholders(
    service: Callable[..., tuple[CallbackService, FakeAmi]],
) -> None:
    callbacks, _ami = service()
    kept = await callbacks.register("sales", "+8613900001111", 1, 0, None)
    lost = await callbacks.register("sales", "+8613900002222", 2, 0, None)
    callbacks.confirm(kept)
    callbacks.confirm(lost)
    # A new controller process after an Asterisk restart that lost one placeholder.
    fresh, ami = service()
    ami.in_queue = {callbacks.placeholders.channel_ids(kept)[1]: 1}
    await fresh.resync()
    originated = [f["Channel"] for n, f in ami.actions if n == "Originate"]
    assert originated == [f"Local/{lost.id:08d}@pbx-cb-hold/n"]


@pytest.mark.asyncio(loop_scope="function")
async def test_two_requests_from_one_number_at_once_get_one_placeholder(
    service: Callable[..., tuple[CallbackService, FakeAmi]],
) -> None:
    callbacks, ami = service()
    first = asyncio.ensure_future(callbacks.register("sales", "+8613900005555", 1, 0, None))
    await asyncio.sleep(0)  # the first request is being stored
    assert await callbacks.is_waiting("sales", "+8613900005555")
    with pytest.raises(RuntimeError, match="being registered"):
        await callbacks.register("sales", "+8613900005555", 2, 0, None)
    await first
    assert await callbacks.is_waiting("sales", "+8613900005555")
    assert ami.names().count("Originate") == 1


@pytest.mark.asyncio(loop_scope="function")
async def test_nobody_is_called_back_outside_calling_hours(
    service: Callable[..., tuple[CallbackService, FakeAmi]],
) -> None:
    moment = [NOW + dt.timedelta(hours=8)]  # 19:00 in Shanghai: callbacks until 20:00
    callbacks, ami = service(lambda: moment[0])
    row = await callbacks.register("sales", "+8613900006666", 1, 0, None)
    callbacks.confirm(row)
    moment[0] = NOW + dt.timedelta(hours=9, minutes=30)  # 20:30: an agent is free only now
    verdict = await callbacks.may_dial(row.id, "8001", wait=1)
    assert not verdict.dial
    assert "calling hours" in verdict.reason
    assert row.id in callbacks._retries  # tried again later
    await callbacks._retry(row.id)  # still outside the hours: no new placeholder
    assert ami.names().count("Originate") == 1
    assert row.id in callbacks._retries
    moment[0] = NOW + dt.timedelta(days=1)  # the next morning: expired (after 4 hours)
    await callbacks._retry(row.id)
    assert ami.names().count("Originate") == 1
    assert not await callbacks.is_waiting("sales", "+8613900006666")
    await callbacks.stop()
