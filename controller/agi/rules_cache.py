"""The rules snapshot the routes read, reloaded only when the configuration changes.

Every ``interval`` seconds one tiny query reads the configuration revision (bumped by every
import that changes something); only a new revision reloads and re-indexes the whole
configuration, in a worker thread. Routes read :meth:`current` from memory: no query per
call. When the database goes away the last good snapshot stays in use, so routing goes on
with the rules it had; before the first successful load there are none, and the dialplan's
fallbacks take the calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from controller.db.engine import session_factory
from controller.db.models import ConfigRevision
from controller.errors import ControllerError
from controller.pbxconfig.export import export_config
from controller.pbxconfig.revision import current_revision
from controller.routing.rules import Rules, build_rules

log = logging.getLogger("controller.agi")


def load_rules(engine: Engine) -> Rules:
    """Read the stored configuration and index it (synchronous: call it from a thread)."""
    with session_factory(engine)() as session:
        revision = current_revision(session)
        config = export_config(session, include_secrets=False)
    return build_rules(config, revision)


# The once-a-second check: one column of one row, with Core (no ORM session and identity map
# per poll; the same value as current_revision).
_REVISION = select(ConfigRevision.__table__.c.revision).where(ConfigRevision.__table__.c.id == 1)


def read_revision(engine: Engine) -> int:
    with engine.connect() as conn:
        revision = conn.execute(_REVISION).scalar()
    return int(revision) if revision is not None else 0


class RulesCache:
    def __init__(
        self,
        engine: Engine,
        *,
        interval: float = 1.0,
        on_change: Callable[[Rules], None] | None = None,
    ) -> None:
        self.engine = engine
        self.interval = interval
        self.on_change = on_change
        self._rules: Rules | None = None
        self._task: asyncio.Task[None] | None = None
        self._healthy = True

    def current(self) -> Rules | None:
        return self._rules

    def replace(self, rules: Rules) -> None:
        self._rules = rules
        if self.on_change is not None:
            self.on_change(rules)

    async def refresh(self) -> bool:
        """Reload if the revision changed; True when a new snapshot was installed."""
        try:
            revision = await asyncio.to_thread(read_revision, self.engine)
            if self._rules is not None and revision == self._rules.revision:
                self._report(healthy=True)
                return False
            rules = await asyncio.to_thread(load_rules, self.engine)
        except (SQLAlchemyError, ControllerError, OSError) as exc:
            self._report(healthy=False, error=exc)
            return False
        self._report(healthy=True)
        self.replace(rules)
        log.info("event=rules_loaded revision=%d customers=%d queues=%d",
                 rules.revision, len(rules.customers), len(rules.queues))  # fmt: skip
        return True

    def _report(self, healthy: bool, error: Exception | None = None) -> None:
        # Log the change of health once, not every second while the database is down.
        if healthy != self._healthy:
            if healthy:
                log.info("event=rules_database_back")
            else:
                kept = self._rules.revision if self._rules else None
                log.warning("event=rules_database_unreachable error=%r kept_revision=%s",
                            str(error).splitlines()[0] if error else "", kept)  # fmt: skip
        self._healthy = healthy

    async def start(self) -> None:
        await self.refresh()
        self._task = asyncio.get_running_loop().create_task(self._poll())

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.refresh()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
