"""What ``pbxctl serve`` does for the reports in the background: keep the hourly rollups
current (controller/reports/rollup.py) and send the scheduled reports that are due
(controller/reports/delivery.py). Each step runs in a worker thread; a failure (the
database away, the mail server down) is logged and tried again at the next tick.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from controller.config import ReportSettings
from controller.reports import rollup
from controller.reports.delivery import SentState, send_due

logger = logging.getLogger(__name__)


class ReportUpkeep:
    def __init__(
        self, factory: sessionmaker[Session], settings: ReportSettings, state: SentState,
        zone: Callable[[], ZoneInfo], *, rollup_every: float = 300.0, mail_every: float = 60.0,
    ) -> None:  # fmt: skip
        self.factory, self.settings, self.state, self.zone = factory, settings, state, zone
        self.rollup_every, self.mail_every = rollup_every, mail_every

    def maintain_rollups(self) -> None:
        with self.factory() as session:
            rollup.maintain(session, self.zone())

    async def run(self) -> None:
        await asyncio.gather(
            self._every(self.rollup_every, self.maintain_rollups, "rollup"),
            self._every(self.mail_every, self._send, "schedule"),
        )

    def _send(self) -> None:
        send_due(self.factory, self.settings, self.state)

    async def _every(self, seconds: float, step: Callable[[], None], what: str) -> None:
        while True:
            try:
                await asyncio.to_thread(step)
            except Exception as exc:  # the database may be away: next time
                logger.warning("reports=%s_failed error=%r", what, str(exc)[:200])
            await asyncio.sleep(seconds)
