"""One long-lived AMI session for the AGI service, reconnected when it drops.

Built on :class:`controller.ami.session.AmiSession` (our own client: a refused login is one
clear error, never panoramisk's endless retry). A ``Ping`` with a timeout every
``keepalive`` seconds finds half-open connections, which TCP alone does not report. Each
(re)connection calls ``on_connect`` (e.g. resynchronise the live view with QueueStatus),
and so does every ``resync`` seconds, to repair whatever an event missed.
Later the issue-6 AMI client can take this job; the AGI service only needs :attr:`session`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from controller.ami.protocol import Message
from controller.ami.session import AmiCredentials, AmiError, AmiSession

log = logging.getLogger("controller.agi")


class AmiLink:
    def __init__(
        self,
        credentials: AmiCredentials,
        *,
        on_event: Callable[[Message], None] | None = None,
        on_connect: Callable[[AmiSession], Awaitable[None]] | None = None,
        on_disconnect: Callable[[], None] | None = None,
        keepalive: float = 5.0,
        resync: float = 30.0,
        retry: float = 2.0,
        timeout: float = 5.0,
    ) -> None:
        self.credentials = credentials
        self.on_event = on_event
        self.on_connect = on_connect
        self.on_disconnect = on_disconnect
        self.keepalive = keepalive
        self.resync = resync
        self.retry = retry
        self.timeout = timeout
        self.session: AmiSession | None = None
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._drop()

    async def action(self, name: str, **fields: str | int | list[str]) -> Message:
        """Send an action on the current session; AmiError when AMI is not connected."""
        return await self._session().action(name, **fields)

    async def send(
        self,
        name: str,
        fields: dict[str, str | int | list[str]] | None = None,
        timeout: float | None = None,
    ) -> tuple[Message, list[Message]]:
        """Send an action; return its response (whatever it says) and listed events."""
        return await self._session().send(name, fields, timeout)

    async def list_action(self, name: str, **fields: str | int | list[str]) -> list[Message]:
        return await self._session().list_action(name, **fields)

    def _session(self) -> AmiSession:
        if self.session is None:
            where = f"{self.credentials.host}:{self.credentials.port}"
            raise AmiError(f"AMI at {where} is not connected")
        return self.session

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                session = await AmiSession.open(self.credentials, self.timeout)
            except AmiError as exc:
                if failures == 0:
                    log.warning("event=ami_unavailable error=%r", str(exc))
                failures += 1
                await asyncio.sleep(self.retry)
                continue
            failures = 0
            session.on_event = self._event
            self.session = session
            try:
                if self.on_connect is not None:
                    await self.on_connect(session)
                self.connected.set()
                log.info("event=ami_connected host=%s port=%d",
                         self.credentials.host, self.credentials.port)  # fmt: skip
                since_sync = 0.0
                while True:
                    await asyncio.sleep(self.keepalive)
                    await session.send("Ping", timeout=self.timeout)
                    since_sync += self.keepalive
                    if self.on_connect is not None and since_sync >= self.resync:
                        since_sync = 0.0
                        await self.on_connect(session)
            except AmiError as exc:
                log.warning("event=ami_lost error=%r", str(exc))
            finally:
                self._drop()
            await asyncio.sleep(self.retry)

    def _event(self, message: Message) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(message)
        except Exception:
            # A broken handler must not take the AMI session down with it.
            log.exception("event=ami_event_handler_error ami_event=%s", message.get("Event"))

    def _drop(self) -> None:
        self.connected.clear()
        if self.session is not None:
            self.session.close()
            self.session = None
            if self.on_disconnect is not None:
                self.on_disconnect()
