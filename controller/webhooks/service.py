"""The webhook service in ``pbxctl serve``: events in, signed deliveries out, never blocking.

    webhooks = WebhookService(factory, settings.webhooks, server_id, tracker)
    live.sinks.append(webhooks.on_outbox)    # call.ringing / answered / ended
    web_services.crm = webhooks              # notes and follow-ups from the API
    await webhooks.run()                     # a task of serve's task group
    await webhooks.stop()                    # stores what is still in memory

What is guaranteed (docs/crm.md): an event is kept in memory (a bounded buffer) for at most
about a second, then stored as one pending delivery per endpoint that wants it; a stored
delivery is tried until an endpoint answers 2xx or ``max_attempts`` failed, across restarts
of the controller (at least once: a delivery being sent when the process is killed is sent
again). Events still in memory are stored on a stop (SIGTERM) and lost on ``kill -9``; while
the database is away the buffer keeps the newest ``buffer_limit`` events.

Nothing here runs on the tracker's path but :meth:`on_outbox` (dictionary work in proportion
to what changed) and :meth:`emit` (an append); database work runs in threads, requests as
tasks (``concurrency`` at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from sqlalchemy.orm import Session, sessionmaker

from controller.agi.callback_store import RequestRow
from controller.ami.tracker import Outbox, Tracker
from controller.config import WebhookSettings
from controller.webhooks import events, signing, store
from controller.webhooks.backoff import Backoff
from controller.webhooks.calls import CallEvents
from controller.webhooks.events import Event

logger = logging.getLogger(__name__)

PER_ENDPOINT_PENDING = 100_000  # beyond it the oldest pending deliveries are dropped
HOUSEKEEPING_SECONDS = 600.0
# With no endpoint enabled, due deliveries are looked for again after this long (or at once
# when this process stores a delivery) instead of every turn: no query twice a second for
# nothing.
NO_ENDPOINT_RECHECK_SECONDS = 5.0


@dataclass
class Stats:
    emitted: int = 0
    dropped: int = 0  # from the memory buffer (database away too long)
    stored: int = 0  # deliveries written
    delivered: int = 0
    failed_attempts: int = 0
    last_error: str | None = None


async def attempt(
    http: aiohttp.ClientSession, item: store.Due, timeout: float, now: float
) -> store.Outcome:
    """One signed POST of a delivery; its outcome (never raises for the endpoint's faults)."""
    body = item.payload.encode("utf-8")
    headers = signing.headers(item.secret, int(now), body, item.event, item.id)
    try:
        async with http.post(
            item.url, data=body, headers=headers, allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:  # fmt: skip
            text = (await response.content.read(300)).decode("utf-8", "replace")
            ok = 200 <= response.status < 300
            error = "" if ok else f"HTTP {response.status}: {text.strip()[:200]}"
            return store.Outcome(item.id, ok, response.status, error)
    except TimeoutError:
        return store.Outcome(item.id, False, None, f"no answer within {timeout:g} s")
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        return store.Outcome(item.id, False, None, f"{type(exc).__name__}: {exc}"[:300])


class WebhookService:
    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: WebhookSettings,
        server_id: str,
        tracker: Tracker,
        *,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
        interval: float = 0.5,
    ) -> None:
        self.factory, self.settings, self.server_id = factory, settings, server_id
        self.clock, self.jitter, self.interval = clock, jitter, interval
        self.backoff = Backoff(
            settings.backoff_base_seconds, settings.backoff_max_seconds, settings.max_attempts
        )
        self.calls = CallEvents(tracker, self.emit, settings.disposition_wait_seconds, clock=clock)
        self.stats = Stats()
        self._buffer: deque[Event] = deque()
        self._wake = asyncio.Event()
        self._busy: set[int] = set()  # deliveries being tried
        self._in_flight: dict[int, int] = {}  # per endpoint id
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._housekept = 0.0
        self._no_endpoints_until = 0.0  # time.monotonic()

    # -- events in (event loop, never blocking) -------------------------------------------------

    def emit(self, event: Event) -> None:
        event.created_at = event.created_at or self.clock()
        if len(self._buffer) >= self.settings.buffer_limit:
            self._buffer.popleft()
            self.stats.dropped += 1
        self._buffer.append(event)
        self.stats.emitted += 1
        self._wake.set()

    def on_outbox(self, outbox: Outbox) -> None:
        """LiveState sink: call.ringing, call.answered, call.ended."""
        self.calls.on_outbox(outbox)

    def note_saved(self, note: dict[str, Any]) -> None:
        self.calls.note_saved(note)

    def followup_changed(self, followup: dict[str, Any], changes: dict[str, list[Any]]) -> None:
        self.emit(events.followup_changed(followup, changes))

    def callback_requested(self, row: RequestRow) -> None:
        self.emit(
            events.callback_requested(
                row.id, row.queue, row.number, row.position, row.expires_at, row.linkedid
            )
        )

    # -- the loop ---------------------------------------------------------------------------------

    async def run(self) -> None:
        connector = aiohttp.TCPConnector(limit=self.settings.concurrency)
        loop = asyncio.get_running_loop()
        last_turn = -self.interval
        async with aiohttp.ClientSession(connector=connector) as http:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.interval)
                # At most one turn per interval: under load the calls emit an event every few
                # milliseconds, and each turn is a thread hop and a database transaction; what
                # comes meanwhile waits for the next turn (in memory for at most about a second).
                await asyncio.sleep(last_turn + self.interval - loop.time())
                last_turn = loop.time()
                self._wake.clear()
                try:
                    self.calls.release()
                    await self.store_buffer()
                    await self._start_due(http)
                    await self._housekeeping()
                except Exception as exc:  # the database may be away: next turn
                    self.stats.last_error = str(exc)[:300]
                    logger.warning("webhooks=turn_failed error=%r", str(exc)[:200])
                    await asyncio.sleep(self.interval)

    async def store_buffer(self) -> None:
        """Write the buffered events as pending deliveries (kept in memory on failure)."""
        if not self._buffer:
            return
        batch = list(self._buffer)
        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC)

        def write() -> int:
            if not store.any_enabled(self.factory):  # no deliveries to make: no transaction
                return 0
            with self.factory() as session, session.begin():
                return store.enqueue(
                    session, batch, server_id=self.server_id, now=now,
                    public_url=self.settings.public_url,
                )  # fmt: skip

        made = await asyncio.to_thread(write)
        if made:
            self._no_endpoints_until = 0.0
        written = {id(event) for event in batch}  # newer events (appended meanwhile) stay
        while self._buffer and id(self._buffer[0]) in written:
            self._buffer.popleft()
        self.stats.stored += made

    async def _start_due(self, http: aiohttp.ClientSession) -> None:
        free = self.settings.concurrency * 4 - len(self._busy)
        if free <= 0 or time.monotonic() < self._no_endpoints_until:
            return
        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        busy = frozenset(self._busy)
        in_flight = dict(self._in_flight)
        cap = self.settings.endpoint_concurrency

        def read() -> list[store.Due] | None:
            with self.factory() as session:
                endpoints = store.enabled_endpoints(session)
                if not endpoints:
                    return None
                wanted = {e: min(free, cap - in_flight.get(e, 0)) for e in endpoints}
                return store.due(session, now, wanted, busy)

        found = await asyncio.to_thread(read)
        if found is None:
            self._no_endpoints_until = time.monotonic() + NO_ENDPOINT_RECHECK_SECONDS
            return
        for item in found:
            self._busy.add(item.id)
            self._in_flight[item.endpoint_id] = self._in_flight.get(item.endpoint_id, 0) + 1
            task = asyncio.create_task(self._deliver(http, item))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, http: aiohttp.ClientSession, item: store.Due) -> None:
        try:
            async with self._slots:
                outcome = await attempt(http, item, self.settings.timeout_seconds, self.clock())
            await self._record([outcome])
            if outcome.ok:
                self.stats.delivered += 1
            else:
                self.stats.failed_attempts += 1
                logger.info("webhooks=attempt_failed endpoint=%s delivery=%d error=%r",
                            item.endpoint, item.id, outcome.error[:200])  # fmt: skip
        except Exception as exc:  # recording failed: the delivery stays pending
            logger.warning("webhooks=record_failed delivery=%d error=%r", item.id, str(exc)[:200])
        finally:
            self._busy.discard(item.id)
            left = self._in_flight.pop(item.endpoint_id, 1) - 1
            if left > 0:
                self._in_flight[item.endpoint_id] = left

    async def _record(self, outcomes: list[store.Outcome]) -> None:
        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC)

        def write() -> None:
            with self.factory() as session, session.begin():
                store.record(session, outcomes, now, self.backoff, self.jitter)

        await asyncio.to_thread(write)

    async def _housekeeping(self) -> None:
        if self.clock() - self._housekept < HOUSEKEEPING_SECONDS:
            return
        self._housekept = self.clock()
        before = dt.datetime.fromtimestamp(self.clock(), dt.UTC) - dt.timedelta(
            days=self.settings.keep_days
        )

        def clean() -> tuple[int, int]:
            with self.factory() as session, session.begin():
                return store.purge(session, before), store.drop_overflow(
                    session, PER_ENDPOINT_PENDING
                )

        purged, dropped = await asyncio.to_thread(clean)
        if purged or dropped:
            logger.info("webhooks=housekeeping purged=%d dropped=%d", purged, dropped)

    async def stop(self, grace: float = 5.0) -> None:
        """Store what is in memory (``call.ended`` events still waiting for dispositions
        too), let requests in flight finish for ``grace`` seconds."""
        self.calls.release(force=True)
        try:
            await self.store_buffer()
        except Exception as exc:
            logger.warning("webhooks=unstored events=%d error=%r", len(self._buffer), str(exc))
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace)

    def status(self) -> dict[str, Any]:
        return {
            "buffered": len(self._buffer),
            "held_until_disposition": self.calls.held,
            "in_flight": len(self._busy),
            "emitted": self.stats.emitted,
            "dropped": self.stats.dropped,
            "stored": self.stats.stored,
            "delivered": self.stats.delivered,
            "failed_attempts": self.stats.failed_attempts,
            "last_error": self.stats.last_error,
        }


async def send_test(
    factory: sessionmaker[Session], key: int | str, settings: WebhookSettings, server_id: str
) -> dict[str, Any]:
    """Send a ``ping`` to one endpoint now (enabled or not); the outcome, also in its log.
    Used by the API's test button and ``pbxctl webhook test``."""
    now = dt.datetime.now(dt.UTC)

    def prepare() -> store.Due:
        with factory() as session, session.begin():
            endpoint = store.find_endpoint(session, key)
            return store.add_test(session, endpoint, events.ping(endpoint.name), server_id, now)

    item = await asyncio.to_thread(prepare)
    async with aiohttp.ClientSession() as http:
        outcome = await attempt(http, item, settings.timeout_seconds, time.time())
    final = store.Outcome(outcome.id, outcome.ok, outcome.status, outcome.error, final=True)

    def write() -> None:
        with factory() as session, session.begin():
            store.record(session, [final], dt.datetime.now(dt.UTC), Backoff(), random.random)

    await asyncio.to_thread(write)
    return {
        "delivery_id": item.id,
        "delivered": outcome.ok,
        "status": outcome.status,
        "error": outcome.error or None,
    }
