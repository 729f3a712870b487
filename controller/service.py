"""``pbxctl serve``: the AMI client, the tracker, the history writer, the web API and the
FastAGI server in one process, one event loop.

    controller = Controller(settings)
    await controller.start()        # database checked, API listening, AMI connecting
    await controller.wait()         # until stop() (SIGTERM/SIGINT) or a fatal error
    await controller.stop()         # stop accepting, flush the history, close AMI

Long-running parts run as tasks of one ``asyncio.TaskGroup``: if one fails (a refused AMI
login is fatal: retrying wrong credentials cannot help), the others are cancelled and the
error reaches the caller. On stop the API stops first, then AMI, then the history writer
gets ``shutdown_flush`` seconds to write what it holds.

The FastAGI server (:class:`controller.agi.service.AgiService`) runs in the same loop and
shares what this process already has: the tracker is its live view for routing, the AMI
client its connection for callback Originates, the agent service serves *45-*48.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from controller.access import kiosk, sessions
from controller.access.directory import AgentDirectory
from controller.agents import store as agent_store
from controller.agents.service import AgentService
from controller.agi.service import AgiService
from controller.ami.actions import CallActions
from controller.ami.client import AmiClient
from controller.ami.live import AmiFeed
from controller.ami.routing_view import TrackerLiveView
from controller.ami.tracker import FinishedCall
from controller.config import Settings
from controller.db.engine import make_engine, session_factory
from controller.db.migrate import require_current_schema
from controller.db.models import Call, CallSource
from controller.dialplan.service import ami_credentials
from controller.errors import SettingsError
from controller.history.journal import HistoryJournal
from controller.history.retention import purge_expired
from controller.history.rows import chunks
from controller.history.store import SiteInfo, write_batch
from controller.history.writer import HistoryWriter
from controller.notes.recent import RecentCalls
from controller.pbxconfig.revision import current_revision
from controller.recovery.recover import RecordFiles, Recovery, RecoveryReport
from controller.reports.delivery import STATE_FILE, SentState
from controller.reports.today import queue_day_figures
from controller.reports.upkeep import ReportUpkeep
from controller.secrets import ensure_secret
from controller.web import thresholds as wallboard_thresholds
from controller.web.app import create_app
from controller.web.auth import Authenticator
from controller.web.config_apply import ApplyRunner, AsteriskDialplan
from controller.web.figures import TodayFigures
from controller.web.gate import Gate
from controller.web.hub import Hub
from controller.web.keys import WebServices
from controller.web.screenpop import customer_lookup
from controller.webhooks.service import WebhookService

logger = logging.getLogger(__name__)


class AgiRunner(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


AgiFactory = Callable[["Controller"], AgiRunner]


def fastagi(controller: Controller) -> AgiRunner:
    """The FastAGI service wired to this controller's tracker, AMI client and agents."""
    live = TrackerLiveView(controller.tracker, lambda: controller.feed.fresh)
    service = AgiService.from_settings(
        controller.settings, controller.engine, live=live, actions=controller.client
    )
    service.services.agents = controller.agents
    if service.services.callbacks is not None:  # callback.requested for the CRM webhooks
        service.services.callbacks.on_confirmed.append(controller.webhooks.callback_requested)

    async def placeholders(_client: AmiClient) -> None:
        await service.ami_connected()  # re-create callback placeholders Asterisk lost

    controller.live.after_resync.append(placeholders)
    return service


class Controller:
    def __init__(
        self,
        settings: Settings,
        *,
        engine: Engine | None = None,
        agi_factory: AgiFactory | None = fastagi,
        shutdown_flush: float = 10.0,
    ) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings.effective_database_url)
        self.factory = session_factory(self.engine)
        self.shutdown_flush = shutdown_flush
        self._agi_factory = agi_factory
        self.agi: AgiRunner | None = None
        self.feed = AmiFeed(
            ami_credentials(settings),
            settings.server_id,
            connect_timeout=settings.ami.connect_timeout,
        )
        self.tracker, self.live, self.client = self.feed.tracker, self.feed.live, self.feed.client
        self.agents = AgentService(self.factory, self.client)
        self.actions = CallActions(self.client, self.tracker)
        # Records are journaled before they are queued for the database; after a crash the
        # journal is written again and Asterisk's own records fill the gap (docs/history.md).
        self.journal = HistoryJournal(settings.data_dir / "journal")
        self.writer = HistoryWriter(self._write_history, journal=self.journal)
        self.recovery = Recovery(
            RecordFiles.in_log_dir(settings.asterisk.log_dir), stored=self._stored_calls
        )
        self._journaled: set[str] = set()  # linkedids of finished calls the journal held
        self.hub = Hub(self.tracker)
        # Today's figures for the wallboard, every 12 s, by the queue report's own code.
        self.figures = TodayFigures(self.factory, queue_day_figures, self._site_zone)
        self.recent = RecentCalls(self.tracker)  # who was on which call: notes, webhooks
        # Report rollups kept current, scheduled reports mailed (docs/reports.md).
        self.report_upkeep = ReportUpkeep(
            self.factory, settings.reports, SentState(settings.data_dir / STATE_FILE),
            self._site_zone,
        )  # fmt: skip
        self.webhooks = WebhookService(
            self.factory, settings.webhooks, settings.server_id, self.tracker
        )
        self.web_services = WebServices(
            tracker=self.tracker,
            factory=self.factory,
            auth=Authenticator(self.factory, settings.api, kiosk_key=_kiosk_key(settings)),
            hub=self.hub,
            recordings_dir=settings.asterisk.recordings_dir,
            actions=self.actions,
            agents=self.agents,
            recent=self.recent,
            crm=self.webhooks,
            webhook_settings=settings.webhooks,
            config_apply=ApplyRunner(AsteriskDialplan(settings, self.engine), self.factory),
            sounds_dir=settings.asterisk.sounds_dir,
        )
        self._site: SiteInfo | None = None
        self._config_revision: int | None = None
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self._tasks: asyncio.Task[None] | None = None

    # -- wiring ---------------------------------------------------------------------------

    def _write_history(self, items: list[object]) -> None:
        assert self._site is not None
        write_batch(self.factory, items, self._site)  # type: ignore[arg-type]

    def _site_zone(self) -> ZoneInfo:
        return self._site.tz if self._site is not None else ZoneInfo("UTC")

    def _stored_calls(self, linkedids: set[str]) -> set[str]:
        """Which of these calls the history already holds as followed whole (in the database
        or waiting in the journal): the recovery leaves them alone."""
        found = linkedids & self._journaled
        try:
            with self.factory() as session:
                for part in chunks(sorted(linkedids - found)):
                    query = select(Call.linkedid).where(
                        Call.server_id == self.settings.server_id,
                        Call.linkedid.in_(part),
                        Call.source == CallSource.LIVE,
                    )
                    found.update(session.scalars(query))
        except SQLAlchemyError as exc:  # the database is away: the store's rule still holds
            logger.warning("recovery=stored_check_failed error=%r", str(exc)[:200])
        return found

    def _open_journal(self) -> None:
        left = self.journal.open()
        self._journaled = {
            item.linkedid
            for _, item in left
            if isinstance(item, FinishedCall) and item.source == CallSource.LIVE
        }
        self.writer.resubmit(left)
        self.recovery.watermark = self.journal.read_watermark()

    def _load_configuration(self) -> bool:
        """What the tracker needs from the configuration (wrap-up times, usual phones);
        False when the configuration did not change since the last load."""
        with self.factory() as session:
            revision = current_revision(session)
            if revision == self._config_revision:
                return False
            wrapups = agent_store.queue_wrapups(session)
            devices = agent_store.usual_devices(session)
            directory = AgentDirectory.load(session)
            thresholds = wallboard_thresholds.load(session)
        self.tracker.configure(queue_wrapup=wrapups, device_agents=devices)
        self.web_services.directory = directory
        self.hub.gate = Gate(directory)
        self.hub.thresholds = thresholds
        self._site = SiteInfo.load(self.factory)
        self._config_revision = revision
        return True

    async def _follow_configuration(self, interval: float = 30.0) -> None:
        """A `pbxctl config import` changes wrap-up times and usual phones: pick them up."""
        while True:
            await asyncio.sleep(interval)
            try:
                if await asyncio.to_thread(self._load_configuration):
                    logger.info("service=configuration_reloaded revision=%s", self._config_revision)
            except Exception as exc:  # the database may be away: keep what we have
                logger.warning("service=configuration_reload_failed error=%r", str(exc)[:200])

    def _clean_up(self) -> None:
        """Recordings past their retention date, expired browser sessions."""
        tz = self._site.tz if self._site is not None else dt.UTC
        today = dt.datetime.now(tz).date()
        with self.factory() as session, session.begin():
            purge_expired(session, self.settings.asterisk.recordings_dir, today)
            sessions.purge_expired(session, self.web_services.auth.lifetime)

    async def _housekeeping(self, interval: float = 3600.0) -> None:
        while True:
            try:
                await asyncio.to_thread(self._clean_up)
            except Exception as exc:  # the database may be away: next time
                logger.warning("service=housekeeping_failed error=%r", str(exc)[:200])
            await asyncio.sleep(interval)

    async def _reapply_logins(self, _client: AmiClient) -> None:
        await self.agents.reapply(self.tracker.dynamic_members)

    def _status(self) -> None:
        self.web_services.status.update(
            ami={
                "connected": self.client.connected,
                "connects": self.client.connects,
                "events_received": self.client.events_received,
                "events_filtered": self.client.filtered,
                "last_error": self.client.last_error,
                "resyncs": self.live.resyncs,
                "last_resync_ms": self.live.last_resync_ms,
            },
            history={
                "buffered": self.writer.pending,
                "written": self.writer.stats.written,
                "dropped": self.writer.stats.dropped,
                "spilled": self.journal.spilled_count,
                "rejected": self.writer.stats.rejected,
                "last_error": self.writer.stats.last_error,
                "covered_until": self.live.covered_until,
                "recovery": _report(self.recovery.last),
            },
            webhooks=self.webhooks.status(),
        )

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        await asyncio.to_thread(require_current_schema, self.engine)
        await asyncio.to_thread(self._open_journal)
        await asyncio.to_thread(self._load_configuration)
        site = self._site or SiteInfo.load(self.factory)
        self.hub.lookup = customer_lookup(self.factory, site.country)
        self.live.history_sink = self.writer.submit_flush  # one journal write per batch
        self.live.sinks += [self.recent.on_outbox, self.webhooks.on_outbox, self.hub.on_outbox]
        self.live.recovery = self.recovery
        self.live.after_resync.append(self._reapply_logins)
        app = create_app(self.web_services)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        api = self.settings.api
        tls = tls_context(api.tls_cert, api.tls_key)
        await web.TCPSite(self._runner, api.host, api.port, ssl_context=tls).start()
        scheme = "https" if tls else "http"
        logger.info("service=api listening=%s://%s:%d", scheme, api.host, api.port)
        if self._agi_factory is not None:
            self.agi = self._agi_factory(self)
            await self.agi.start()
            logger.info(
                "service=agi listening=%s:%d", self.settings.agi.host, self.settings.agi.port
            )
        self._tasks = asyncio.create_task(self._run_all())

    async def _run_all(self) -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(self.feed.run())
            group.create_task(self.writer.run())
            group.create_task(self.hub.run())
            group.create_task(self.webhooks.run())
            group.create_task(self.figures.run(self.hub))
            group.create_task(self.report_upkeep.run())
            group.create_task(self._report())
            group.create_task(self._follow_configuration())
            group.create_task(self._housekeeping())
            await self._stopping.wait()
            raise _Stop

    async def _report(self) -> None:
        while True:
            self._status()
            if self.live.covered_until is not None:
                self.journal.note_watermark(self.live.covered_until)
            await asyncio.sleep(1.0)

    async def wait(self) -> None:
        """Until :meth:`stop` is called or a part fails (its error is raised here)."""
        assert self._tasks is not None, "start() first"
        try:
            await self._tasks
        except BaseExceptionGroup as group:
            errors = [e for e in group.exceptions if not isinstance(e, _Stop)]
            if errors:
                raise errors[0] from None

    def request_stop(self) -> None:
        self._stopping.set()

    async def stop(self) -> None:
        self._stopping.set()
        self.feed.stop()
        if self._runner is not None:
            await self.hub.close()
            await self._runner.cleanup()
        if self.agi is not None:
            await self.agi.stop()
        if self._tasks is not None:
            with contextlib.suppress(BaseException):
                await self._tasks
        self.live.flush()
        await self.webhooks.stop()  # what is still in memory becomes pending deliveries
        left = await self.writer.drain(self.shutdown_flush)
        logger.info("service=stopped history_unwritten=%d", left)
        self.engine.dispose()


def _kiosk_key(settings: Settings) -> bytes:
    """The key that signs wallboard screens' pairing codes and cookies (access/kiosk.py)."""
    return ensure_secret(settings.data_dir, kiosk.KEY_NAME).value.encode()


def tls_context(cert: Path | None, key: Path | None) -> ssl.SSLContext | None:
    """HTTPS for the API and pages when both files are set; a SettingsError if unusable."""
    if cert is None or key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as err:
        raise SettingsError(f"api.tls_cert/api.tls_key ({cert}, {key}): {err}") from err
    return context


class _Stop(Exception):
    """Ends the task group on a requested stop."""


def _report(report: RecoveryReport | None) -> dict[str, object] | None:
    if report is None:
        return None
    return {
        "since": report.since,
        "until": report.until,
        "calls_replayed": report.replayed,
        "calls_finished": report.finished,
        "calls_skipped": report.skipped,
        "error": report.error,
    }


async def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT; a fatal error propagates (after a clean stop)."""
    controller = Controller(settings)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, controller.request_stop)
    try:
        await controller.start()
        await controller.wait()
    finally:
        await controller.stop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
