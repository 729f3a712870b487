"""The FastAGI routing service as one object with ``start()`` and ``stop()``.

``pbxctl agi serve`` runs it alone; ``pbxctl serve`` (AMI tracker + web API) can run it in
the same event loop::

    service = AgiService.from_settings(settings, engine)
    await service.start()          # rules loaded (or not: fallbacks), AMI link, listening
    ...
    await service.stop()           # stop listening, finish sessions, close AMI

Alone, the service runs its own :class:`~controller.ami.live.AmiFeed` (the AMI client and
tracker of ``pbxctl serve``, without history or web API): it answers the live questions
(free agents, queue waits) and originates callback placeholders. Inside ``pbxctl serve``,
hand it what the process already has::

    AgiService.from_settings(settings, engine, live=tracker_view, actions=ami_client,
                             extra_routes={"agent-login": Route(...)})

``live`` is any :class:`~controller.routing.live.LiveView`; ``actions`` anything with
``action``/``list_action``/``send`` (:class:`~controller.agi.placeholders.AmiActions`, e.g.
the AMI client). Then call :meth:`AgiService.ami_connected` after every AMI (re)login, so
callback placeholders lost by an Asterisk restart are re-created.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import logging
from collections.abc import Coroutine, Mapping
from typing import Any

import phonenumbers
from sqlalchemy import Engine

from controller.agi.callback_store import CallbackStore
from controller.agi.callbacks import CallbackService
from controller.agi.placeholders import AmiActions
from controller.agi.routes import route_table
from controller.agi.rules_cache import RulesCache
from controller.agi.server import AgiServer, Route
from controller.agi.services import AgiServices
from controller.agi.stores import LastAgentIndex, SurveyStore
from controller.ami.live import AmiFeed
from controller.ami.routing_view import TrackerLiveView
from controller.ami.session import AmiCredentials, AmiLoginRefused
from controller.config import Settings
from controller.routing.live import LiveView, StaticLiveView
from controller.routing.region import RegionLookup
from controller.routing.rules import Rules

log = logging.getLogger("controller.agi")

HISTORY_REFRESH_SECONDS = 30.0
WARM_UP_SAMPLE = 2000


def dialable(e164: str, country: str) -> str:
    """How the site dials a number through its outbound routes (13900001111, 0755..., 001...)."""
    parsed = phonenumbers.parse(e164, None)
    text = phonenumbers.format_out_of_country_calling_number(parsed, country)
    return "".join(ch for ch in text if ch.isdigit())


def settle_memory() -> None:
    """Move what is loaded now (rules, phonenumbers' metadata) out of the garbage collector's
    way: a full collection over it took ~5-30 ms here, often enough under load to be the
    routing answers' p99. Frozen objects are still freed by reference counting."""
    gc.collect()
    gc.freeze()


class AgiService:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        engine: Engine,
        ami: AmiCredentials | None = None,
        actions: AmiActions | None = None,
        server_id: str = "default",
        live: LiveView | None = None,
        extra_routes: Mapping[str, Route] | None = None,
        rules_interval: float = 1.0,
        header_timeout: float = 2.0,
    ) -> None:
        if actions is not None and live is None:
            raise ValueError("AgiService: with actions= (a shared AMI client), pass live= too")
        self.host, self.port = host, port
        self.engine = engine
        self.region = RegionLookup()
        self.rules_cache = RulesCache(
            engine, interval=rules_interval, on_change=self._rules_changed
        )
        self.history = LastAgentIndex(engine)
        # Alone (no shared client), with AMI credentials: an AMI feed of our own.
        self.feed = AmiFeed(ami, server_id) if ami is not None and actions is None else None
        if self.feed is not None:
            self.feed.live.after_resync.append(self._ami_resynced)
            feed = self.feed
            live = TrackerLiveView(feed.tracker, lambda: feed.fresh)
            actions = feed.client
        self.live: LiveView = live if live is not None else StaticLiveView()
        self._feed_task: asyncio.Task[None] | None = None
        self.services = AgiServices(
            rules_source=self.rules_cache,
            live=self.live,
            region=self.region,
            history=self.history,
            surveys=SurveyStore(engine, server_id),
            server_id=server_id,
        )
        if actions is not None:
            self.services.callbacks = CallbackService(
                CallbackStore(engine, server_id), actions, self.rules_cache.current,
                self.services.clock, dialable,
            )  # fmt: skip
        self.server = AgiServer(
            route_table(self.services, extra_routes), header_timeout=header_timeout
        )
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def from_settings(
        cls, settings: Settings, engine: Engine, *, live: LiveView | None = None,
        actions: AmiActions | None = None, extra_routes: Mapping[str, Route] | None = None,
    ) -> AgiService:  # fmt: skip
        ami = None
        if actions is None:
            from controller.dialplan.service import ami_credentials

            ami = ami_credentials(settings)
        return cls(
            host=settings.agi.host, port=settings.agi.port, engine=engine, ami=ami,
            actions=actions, server_id=settings.server_id, live=live, extra_routes=extra_routes,
            header_timeout=settings.agi.header_timeout,
        )  # fmt: skip

    async def start(self) -> None:
        # The server listens even without rules: routes then fail fast and the dialplan
        # falls back, which is better than Asterisk waiting on a closed port's timeouts.
        await self.rules_cache.start()
        await self._refresh_history()
        self._spawn(self._history_loop())
        if self.feed is not None:
            self._feed_task = asyncio.get_running_loop().create_task(self._run_feed(self.feed))
        await self.server.start(self.host, self.port)

    async def stop(self, grace: float = 5.0) -> None:
        await self.server.stop(grace)
        if self.services.callbacks is not None:
            await self.services.callbacks.stop()
        if self.feed is not None and self._feed_task is not None:
            self.feed.stop()
            await self._feed_task
            self._feed_task = None
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.rules_cache.stop()

    # -- wiring ------------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _rules_changed(self, rules: Rules) -> None:
        # The countries customers call from, from a sample: parsing every number of a large
        # customer base here would hold up the event loop; the rest load on first use.
        countries = {rules.country}
        for number in itertools.islice(rules.customers, WARM_UP_SAMPLE):
            region = phonenumbers.region_code_for_number(phonenumbers.parse(number, None))
            if region:
                countries.add(region)
        self.region.warm_up(sorted(countries))
        if self.feed is not None:  # agents in wrap-up are not free
            wrapups = {name: queue.wrapup_seconds for name, queue in rules.queues.items()}
            self.feed.tracker.configure(queue_wrapup=wrapups)
        settle_memory()

    async def _run_feed(self, feed: AmiFeed) -> None:
        try:
            await feed.run()
        except AmiLoginRefused as exc:
            # Routing goes on without live state (no sticky agent, no callback offers).
            log.error("event=ami_login_refused error=%r", str(exc))

    async def _ami_resynced(self, _client: object) -> None:
        await self.ami_connected()

    async def ami_connected(self) -> None:
        """AMI (re)logged in: re-create callback placeholders Asterisk no longer has."""
        if self.services.callbacks is not None:
            # Not awaited: the resync uses the very session that is being set up.
            self._spawn(self.services.callbacks.resync())

    async def _refresh_history(self) -> None:
        try:
            await self.history.refresh()
        except Exception as exc:  # the database may be down: keep what we have
            log.warning("event=history_refresh_failed error=%r", str(exc).splitlines()[0])

    async def _history_loop(self) -> None:
        while True:
            await asyncio.sleep(HISTORY_REFRESH_SECONDS)
            await self._refresh_history()
