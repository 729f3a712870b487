"""Real deliveries to a real aiohttp receiver: signed requests it can verify, retries with
backoff after failures, pending deliveries that survive a restart of the service, a slow
endpoint that does not hold up another (even with a backlog), and a bounded memory buffer."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from controller.ami.tracker import Tracker
from controller.config import WebhookSettings
from controller.db.engine import make_engine, session_factory
from controller.db.migrate import upgrade
from controller.db.models.webhooks import DeliveryStatus, WebhookDelivery
from controller.webhooks import events, signing, store
from controller.webhooks.service import WebhookService
from controller.webhooks.validate import EndpointCreate, EndpointUpdate

pytestmark = pytest.mark.asyncio


@dataclass
class Receiver:
    """A CRM's webhook receiver: answers the statuses given in turn (then 200)."""

    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    got: list[tuple[dict[str, str], bytes, float]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.got.append((dict(request.headers), body, time.time()))
        if self.delay:
            await asyncio.sleep(self.delay)
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status, text="ok" if status < 300 else "try later")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'pbx.sqlite3'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, TestServer]]:
    crm = Receiver()
    app = web.Application()
    app.router.add_post("/{name}", crm.handle)
    server = TestServer(app)
    await server.start_server()
    try:
        yield crm, server
    finally:
        await server.close()


def _endpoint(factory: sessionmaker[Session], name: str, url: str) -> str:
    with factory() as session, session.begin():
        data = EndpointCreate(name=name, url=url)
        return store.create_endpoint(session, data, dt.datetime.now(dt.UTC))[1]


def _service(factory: sessionmaker[Session], **settings: object) -> WebhookService:
    values = {"backoff_base_seconds": 0.05, "backoff_max_seconds": 0.2, "timeout_seconds": 2.0,
              **settings}  # fmt: skip
    return WebhookService(factory, WebhookSettings.model_validate(values), "pbx1",
                          Tracker("pbx1"), interval=0.02)  # fmt: skip


async def _until(check: object, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not within the time")


def _rows(factory: sessionmaker[Session]) -> list[WebhookDelivery]:
    with factory() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


async def test_a_signed_event_arrives_and_the_receiver_can_verify_it(
    engine: Engine, receiver: tuple[Receiver, TestServer]
) -> None:
    crm, server = receiver
    factory = session_factory(engine)
    secret = _endpoint(factory, "crm", str(server.make_url("/crm")))
    service = _service(factory)
    task = asyncio.create_task(service.run())
    try:
        service.emit(events.Event("call.answered", {"linkedid": "L1", "caller_name": "王小明"},
                                  ("sales",)))  # fmt: skip
        await _until(lambda: crm.got)
    finally:
        task.cancel()
        await service.stop()
    headers, body, received = crm.got[0]
    assert signing.verify(secret, headers["X-Pbx-Timestamp"], body, headers["X-Pbx-Signature"],
                          now=received)  # fmt: skip
    assert not signing.verify("whsec_someone-elses-secret-xx", headers["X-Pbx-Timestamp"], body,
                              headers["X-Pbx-Signature"], now=received)  # fmt: skip
    sent = json.loads(body)
    assert (sent["event"], sent["data"]["caller_name"]) == ("call.answered", "王小明")
    assert headers["X-Pbx-Event"] == "call.answered"
    await _until(lambda: _rows(factory)[0].status is DeliveryStatus.DELIVERED)
    (row,) = _rows(factory)
    assert (headers["X-Pbx-Delivery"], row.attempts, row.last_status) == (str(row.id), 1, 200)


async def test_failures_are_retried_with_backoff_until_delivered(
    engine: Engine, receiver: tuple[Receiver, TestServer]
) -> None:
    crm, server = receiver
    crm.statuses = [500, 503, 429]
    factory = session_factory(engine)
    _endpoint(factory, "crm", str(server.make_url("/crm")))
    service = _service(factory)
    task = asyncio.create_task(service.run())
    try:
        service.emit(events.Event("followup.changed", {"id": 1}, ()))
        await _until(
            lambda: _rows(factory) and _rows(factory)[0].status is DeliveryStatus.DELIVERED
        )
    finally:
        task.cancel()
        await service.stop()
    (row,) = _rows(factory)
    assert (row.attempts, row.last_status) == (4, 200)
    # The same delivery each time (one id for the receiver to drop duplicates), each attempt
    # signed anew with its own timestamp.
    assert {h["X-Pbx-Delivery"] for h, _, _ in crm.got} == {str(row.id)}
    assert len({b for _, b, _ in crm.got}) == 1


async def test_pending_deliveries_survive_a_restart(
    engine: Engine, receiver: tuple[Receiver, TestServer]
) -> None:
    crm, server = receiver
    factory = session_factory(engine)
    _endpoint(factory, "crm", str(server.make_url("/crm")))
    first = _service(factory)
    for n in range(3):
        first.emit(events.Event("call.ringing", {"n": n}, ()))
    await first.stop()  # stopped before a single attempt: stored, pending
    assert [r.status for r in _rows(factory)] == [DeliveryStatus.PENDING] * 3
    assert crm.got == []
    second = _service(factory)  # a new process
    task = asyncio.create_task(second.run())
    try:
        await _until(lambda: len(crm.got) == 3)
    finally:
        task.cancel()
        await second.stop()
    assert sorted(json.loads(b)["data"]["n"] for _, b, _ in crm.got) == [0, 1, 2]


async def test_a_slow_endpoint_does_not_hold_up_another(
    engine: Engine, receiver: tuple[Receiver, TestServer]
) -> None:
    crm, server = receiver
    slow = Receiver(delay=5.0)
    app = web.Application()
    app.router.add_post("/{name}", slow.handle)
    slow_server = TestServer(app)
    await slow_server.start_server()
    factory = session_factory(engine)
    _endpoint(factory, "slow", str(slow_server.make_url("/slow")))
    _endpoint(factory, "fast", str(server.make_url("/fast")))
    service = _service(factory, timeout_seconds=3.0, concurrency=4, endpoint_concurrency=2)
    task = asyncio.create_task(service.run())
    try:
        for n in range(10):
            service.emit(events.Event("call.ringing", {"n": n}, ()))
        # All ten reach the fast one while the slow one holds its two slots (of four).
        await _until(lambda: len(crm.got) == 10)
        assert len(slow.got) == 2
        with factory() as session:
            slow_rows = session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.endpoint_id == 1)
            ).all()
        assert [(r.status, r.attempts) for r in slow_rows] == [(DeliveryStatus.PENDING, 0)] * 10
    finally:
        task.cancel()
        await service.stop(grace=0.1)
        await slow_server.close()


async def test_the_memory_buffer_is_bounded(engine: Engine) -> None:
    service = _service(session_factory(engine), buffer_limit=100)
    for n in range(150):
        service.emit(events.Event("call.ringing", {"n": n}, ()))
    status = service.status()
    assert (status["buffered"], status["dropped"], status["emitted"]) == (100, 50, 150)


async def test_the_running_service_forgets_finished_deliveries_after_keep_days(
    engine: Engine, receiver: tuple[Receiver, TestServer]
) -> None:
    crm, server = receiver
    factory = session_factory(engine)
    _endpoint(factory, "crm", str(server.make_url("/crm")))
    now = dt.datetime.now(dt.UTC)
    with factory() as session, session.begin():
        for status, days in (
            (DeliveryStatus.DELIVERED, 31), (DeliveryStatus.FAILED, 31),
            (DeliveryStatus.DELIVERED, 29), (DeliveryStatus.PENDING, 31),
        ):  # fmt: skip
            created = now - dt.timedelta(days=days)
            session.add(WebhookDelivery(
                endpoint_id=1, event_id=f"{status.value}-{days}", event="call.ringing",
                payload="{}", status=status, attempts=0, next_attempt_at=created,
                created_at=created,
            ))  # fmt: skip
    service = _service(factory, keep_days=30)
    task = asyncio.create_task(service.run())
    try:
        # The first turn keeps house; the old pending one is still sent.
        await _until(lambda: len(_rows(factory)) == 2 and crm.got)
    finally:
        task.cancel()
        await service.stop()
    assert sorted(r.event_id for r in _rows(factory)) == ["delivered-29", "pending-31"]


class _CountingFactory(sessionmaker[Session]):
    """A session factory that counts the ORM sessions it opens."""

    opened = 0

    def __call__(self, **local_kw: object) -> Session:
        self.opened += 1
        return super().__call__(**local_kw)  # type: ignore[arg-type]


async def test_with_no_endpoint_enabled_events_are_dropped_without_an_orm_session(
    engine: Engine,
) -> None:
    factory = _CountingFactory(engine, expire_on_commit=False)
    _endpoint(factory, "crm", "http://127.0.0.1:9/crm")
    with factory() as session, session.begin():
        store.update_endpoint(
            session, "crm", EndpointUpdate(enabled=False), dt.datetime.now(dt.UTC)
        )
    service = _service(factory)
    assert store.any_enabled(factory) is False
    factory.opened = 0
    for n in range(3):
        service.emit(events.Event("call.ringing", {"n": n}, ()))
    await service.store_buffer()
    assert (factory.opened, service.status()["buffered"], _rows(factory)) == (0, 0, [])
    with factory() as session, session.begin():  # enabled again: the next batch is stored
        store.update_endpoint(session, "crm", EndpointUpdate(enabled=True), dt.datetime.now(dt.UTC))
    assert store.any_enabled(factory) is True
    service.emit(events.Event("call.ringing", {"n": 3}, ()))
    await service.store_buffer()
    assert [json.loads(r.payload)["data"]["n"] for r in _rows(factory)] == [3]


async def test_events_that_come_within_an_interval_are_stored_in_one_turn(
    engine: Engine, receiver: tuple[Receiver, TestServer]
) -> None:
    crm, server = receiver
    factory = session_factory(engine)
    _endpoint(factory, "crm", str(server.make_url("/crm")))
    service = WebhookService(factory, WebhookSettings(), "pbx1", Tracker("pbx1"), interval=0.5)
    batches: list[int] = []
    store_buffer = service.store_buffer

    async def counted() -> None:
        if service.status()["buffered"]:
            batches.append(service.status()["buffered"])
        await store_buffer()

    service.store_buffer = counted  # type: ignore[method-assign]
    task = asyncio.create_task(service.run())
    try:
        service.emit(events.Event("call.ringing", {"n": 0}, ()))
        await _until(lambda: crm.got)
        # The turn that stored the first one is over; five more come, the loop running
        # between them (each used to start a turn of its own as soon as the last ended).
        for n in range(1, 6):
            service.emit(events.Event("call.ringing", {"n": n}, ()))
            await asyncio.sleep(0)
        await _until(lambda: len(crm.got) == 6)
    finally:
        task.cancel()
        await service.stop()
    assert batches == [1, 5]
