"""Today's figures for the wallboard and the supervisor: computed server-side from the call
history every ``interval`` seconds (10-15 s, not per event), published over the websocket hub.

    figures = TodayFigures(factory, queue_day_figures, site_tz)
    await figures.run(hub)          # a task of ``pbxctl serve``

One computation per set of queues some socket sees (all the wallboards of a call center share
one), only while a socket asks for figures. ``source`` is the report engine's
``controller.reports.today.queue_day_figures``: the same code as the queue report, so the
board and the report never disagree. A failed computation (the database away) is logged and
skipped; pages see the figures' ``computed_at`` grow old and show them as stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from controller.web.hub import Hub, ViewKey

logger = logging.getLogger(__name__)

INTERVAL = 12.0


class FiguresSource(Protocol):
    def __call__(
        self,
        session: Session,
        *,
        since: dt.datetime,
        until: dt.datetime,
        queues: Collection[str] | None,
    ) -> Mapping[str, Any]: ...


def day_start(now: dt.datetime) -> dt.datetime:
    """Midnight of ``now``'s day in its time zone (the first instant of the day)."""
    assert now.tzinfo is not None
    return dt.datetime.combine(now.date(), dt.time(0), now.tzinfo)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return dict(value)


class TodayFigures:
    def __init__(
        self,
        factory: sessionmaker[Session],
        source: FiguresSource,
        tz: Callable[[], ZoneInfo],
        interval: float = INTERVAL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.factory = factory
        self.source = source
        self.tz = tz
        self.interval = interval
        self.clock = clock
        self.computed = 0
        self.failures = 0

    def compute(self, keys: Collection[ViewKey]) -> dict[ViewKey, dict[str, Any]]:
        """Today's figures of each set of queues (blocking: run it in a thread)."""
        stamp = self.clock()
        now = dt.datetime.fromtimestamp(stamp, self.tz())
        since = day_start(now)
        found: dict[ViewKey, dict[str, Any]] = {}
        with self.factory() as session:
            for key in keys:
                queues = sorted(key) if key is not None else None
                figures = self.source(session, since=since, until=now, queues=queues)
                found[key] = {
                    "computed_at": stamp,
                    "since": since.isoformat(),
                    "interval_s": self.interval,
                    "queues": {name: _plain(f) for name, f in figures.items()},
                }
        return found

    async def publish_once(self, hub: Hub) -> None:
        keys = hub.figure_keys()
        if not keys:
            return
        started = time.monotonic()
        try:
            computed = await asyncio.to_thread(self.compute, keys)
        except Exception as exc:  # the database may be away: the pages show stale figures
            self.failures += 1
            logger.warning("figures=failed error=%r", str(exc)[:200])
            return
        self.computed += 1
        took = time.monotonic() - started
        if took > self.interval / 2:
            logger.warning("figures=slow seconds=%.1f sets=%d", took, len(keys))
        await hub.publish_figures(computed)

    async def run(self, hub: Hub) -> None:
        while True:
            hub.figures_wanted.clear()
            await self.publish_once(hub)
            with contextlib.suppress(TimeoutError):
                # A socket seeing queues nobody computed yet wakes us early.
                await asyncio.wait_for(hub.figures_wanted.wait(), self.interval)
