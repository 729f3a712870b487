"""The long-lived AMI connection: login, events, keepalive, reconnect, resync hook.

Wraps the failures panoramisk 1.4 is known for (shared NOTES.md), which is why it is built on
our own session (:mod:`controller.ami.session`) rather than on panoramisk's Manager; see
docs/ami.md for the reasoning and the list:

- actions wait until the login succeeded (``send`` waits for the connection, then times out);
- a refused login raises :class:`AmiLoginRefused` once: :meth:`AmiClient.run` stops, no loop;
- an exception in the event callback is logged, the connection stays up;
- a Ping every ``keepalive_interval`` seconds that must be answered within
  ``keepalive_timeout``: a half-open TCP connection is dropped and reconnected;
- reconnects back off exponentially (with jitter) up to ``max_backoff``;
- with ``event_filters``, Asterisk is asked after each login to send only those events
  (:mod:`controller.ami.filters`); if it refuses, the client goes on receiving everything;
- nothing is re-sent after a reconnect: an action in flight fails with :class:`AmiError`, and
  :meth:`originate` (always ``Async: true`` with a fixed ``ChannelId``) checks whether the
  channel exists before it sends again, so an Originate is never duplicated.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence

from controller.ami.filters import EventFilter, FiltersRefused, add_filters
from controller.ami.protocol import Message
from controller.ami.session import AmiCredentials, AmiError, AmiLoginRefused, AmiSession

logger = logging.getLogger(__name__)

EventHandler = Callable[[Message, float], None]
ConnectedHook = Callable[["AmiClient"], Awaitable[None]]

# Events the client itself waits for (whatever its handler uses): keep them in any filter list.
CLIENT_EVENTS = frozenset({"FullyBooted"})


class AmiClient:
    def __init__(
        self,
        credentials: AmiCredentials,
        on_event: EventHandler,
        *,
        on_connected: ConnectedHook | None = None,
        event_filters: Sequence[EventFilter] = (),
        connect_timeout: float = 5.0,
        action_timeout: float = 10.0,
        keepalive_interval: float = 10.0,
        keepalive_timeout: float = 5.0,
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.credentials = credentials
        self._on_event = on_event
        self._on_connected = on_connected
        self.event_filters = tuple(event_filters)
        self.filtered = False  # Asterisk accepted the filters on the current connection
        self.connect_timeout = connect_timeout
        self.events_received = 0
        self.action_timeout = action_timeout
        self.keepalive_interval = keepalive_interval
        self.keepalive_timeout = keepalive_timeout
        self.min_backoff, self.max_backoff = min_backoff, max_backoff
        self._clock = clock
        self._session: AmiSession | None = None
        self._up = asyncio.Event()
        self._stop_event = asyncio.Event()
        self.booted = asyncio.Event()  # FullyBooted seen on the current connection
        self._stopping = False
        self.connects = 0  # successful logins so far
        self.keepalive_failures = 0
        self.last_error: str | None = None

    # -- state ----------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._up.is_set()

    @property
    def where(self) -> str:
        return f"AMI at {self.credentials.host}:{self.credentials.port}"

    async def wait_connected(self, timeout: float | None = None) -> None:
        try:
            await asyncio.wait_for(self._up.wait(), timeout or self.action_timeout)
        except TimeoutError:
            reason = f" ({self.last_error})" if self.last_error else ""
            raise AmiError(f"{self.where} is not connected{reason}") from None

    # -- the connection loop --------------------------------------------------------------

    async def run(self) -> None:
        """Connect, log in, keep alive, reconnect; return after :meth:`stop`.

        Raises AmiLoginRefused at the first refused login: wrong credentials are a
        configuration error, not a network problem worth retrying.
        """
        delay = self.min_backoff
        while not self._stopping:
            self.booted.clear()
            try:
                session = await AmiSession.open(
                    self.credentials, self.connect_timeout, on_event=self._dispatch
                )
            except AmiLoginRefused as exc:
                self.last_error = str(exc)
                raise
            except AmiError as exc:
                self.last_error = str(exc)
                logger.warning("ami=unreachable error=%r retry_in=%.1fs", str(exc), delay)
                await self._sleep(delay)
                delay = min(self.max_backoff, delay * 2) * random.uniform(0.8, 1.2)  # noqa: S311
                continue
            delay = self.min_backoff
            await self._serve(session)

    async def _serve(self, session: AmiSession) -> None:
        self._session = session
        self.connects += 1
        self.last_error = None
        self._up.set()
        logger.info("ami=connected where=%s connects=%d", self.where, self.connects)
        keepalive = asyncio.create_task(self._keepalive(session))
        try:
            usable = await self._filter(session) if self.event_filters else True
            if usable and self._on_connected is not None:
                try:
                    await self._on_connected(self)
                except AmiError as exc:  # the link dropped during the resync: start over
                    logger.warning("ami=resync_failed error=%r", str(exc))
                    session.abort()
            await session.wait_closed()
        finally:
            self._up.clear()
            self._session = None
            self.filtered = False
            keepalive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keepalive
            session.close()
            if not self._stopping:
                logger.warning("ami=disconnected where=%s", self.where)

    async def _filter(self, session: AmiSession) -> bool:
        """Ask Asterisk for the wanted events only; False when the session must be dropped."""
        try:
            self.filtered = await add_filters(session, self.event_filters)
        except FiltersRefused as exc:  # half-installed filters would hide events
            logger.warning("ami=filters_failed error=%r", str(exc))
            self.event_filters = ()
        except AmiError as exc:  # the link dropped or stalled: start over, filters and all
            logger.warning("ami=filters_failed error=%r", str(exc))
        else:
            if not self.filtered:
                self.event_filters = ()  # refused once, refused again: do not ask every login
            return True
        session.abort()
        return False

    async def _keepalive(self, session: AmiSession) -> None:
        while not session.is_closed:
            await asyncio.sleep(self.keepalive_interval)
            try:
                await session.send("Ping", timeout=self.keepalive_timeout)
            except AmiError:
                if not session.is_closed:
                    # No answer: the TCP connection is half-open (or Asterisk is stuck).
                    logger.warning(
                        "ami=keepalive_timeout after=%.1fs: dropping the connection",
                        self.keepalive_timeout,
                    )
                    self.last_error = "keepalive timed out"
                    self.keepalive_failures += 1
                    session.abort()
                return

    def _dispatch(self, message: Message) -> None:
        if message.kind != "Event":
            return
        self.events_received += 1
        if message.event == "FullyBooted":
            self.booted.set()
        try:
            self._on_event(message, self._clock())
        except Exception:  # never let a handler bug drop the AMI connection
            logger.exception("ami=handler_error event=%s", message.get("Event"))

    async def _sleep(self, delay: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop_event.wait(), delay)

    def stop(self) -> None:
        self._stopping = True
        self._stop_event.set()
        logger.info("ami=stopped events_received=%d", self.events_received)
        if self._session is not None:
            self._session.close()

    # -- actions --------------------------------------------------------------------------

    async def send(
        self,
        name: str,
        fields: dict[str, str | int | list[str]] | None = None,
        timeout: float | None = None,
    ) -> tuple[Message, list[Message]]:
        """Send one action once the client is logged in; never re-sent after a reconnect."""
        await self.wait_connected(timeout)
        session = self._session
        if session is None:
            raise AmiError(f"{self.where} is not connected")
        return await session.send(name, fields, timeout or self.action_timeout)

    async def action(self, name: str, **fields: str | int | list[str]) -> Message:
        response, _ = await self.send(name, dict(fields))
        if response.get("Response") != "Success":
            raise AmiError(f"{name} failed: {response.get('Message', 'no reason given')}")
        return response

    async def list_action(self, name: str, **fields: str | int | list[str]) -> list[Message]:
        response, events = await self.send(name, dict(fields))
        if response.get("Response") != "Success":
            raise AmiError(f"{name} failed: {response.get('Message', 'no reason given')}")
        return events

    async def channel_exists(self, uniqueid_or_name: str) -> bool:
        """Whether Asterisk has a channel with this name or uniqueid right now."""
        response, _ = await self.send(
            "Getvar", {"Channel": uniqueid_or_name, "Variable": "UNIQUEID"}
        )
        return response.get("Response") == "Success"

    async def originate(
        self,
        channel_id: str,
        *,
        other_channel_id: str | None = None,
        known: Callable[[str], bool] | None = None,
        **fields: str | int | list[str],
    ) -> Message:
        """Originate with ``Async: true`` and a fixed ChannelId (the idempotency key).

        If the connection drops before Asterisk answered, wait for the reconnect and send
        again only if no channel with that id exists or existed (``known`` asks the tracker;
        Asterisk itself refuses a second live channel with the same id).
        """
        request: dict[str, str | int | list[str]] = {
            **fields,
            "Async": "true",
            "ChannelId": channel_id,
            "OtherChannelId": other_channel_id or f"{channel_id}-2",
        }
        for attempt in (1, 2):
            try:
                response, _ = await self.send("Originate", request)
            except AmiError:
                if attempt == 2:
                    raise
                await self.wait_connected(self.action_timeout)
                if (known is not None and known(channel_id)) or await self.channel_exists(
                    channel_id
                ):
                    logger.info("ami=originate_already_sent channel_id=%s", channel_id)
                    return Message([("Response", "Success"), ("Message", "Already originated")])
                continue
            if response.get("Response") != "Success":
                raise AmiError(
                    f"Originate of {fields.get('Channel', '?')} failed: "
                    f"{response.get('Message', 'no reason given')}"
                )
            return response
        raise AmiError("Originate was not sent")  # unreachable: the loop returns or raises
