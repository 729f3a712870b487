"""A short-lived AMI session for sending actions and reading their answers.

Used where the controller needs a few actions done (apply a configuration, a CLI command):
connect, log in (a refused login is one clear error, never a retry loop), send actions, read
their responses and event lists by ActionID, close. Every read has a timeout.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

from controller.ami.protocol import Message, Parser, format_action
from controller.errors import ControllerError

logger = logging.getLogger(__name__)


class AmiError(ControllerError):
    """AMI is unreachable, refused the login, or did not answer in time."""


class AmiLoginRefused(AmiError):
    """Asterisk refused the username or secret: retrying cannot help."""

    exit_code = 2  # a configuration error, like a bad setting (systemd does not restart it)


@dataclass(frozen=True, slots=True)
class AmiCredentials:
    host: str
    port: int
    username: str
    secret: str


@dataclass
class _Pending:
    future: asyncio.Future[tuple[Message, list[Message]]]
    response: Message | None = None
    events: list[Message] | None = None


class _Protocol(asyncio.Protocol):
    def __init__(self, session: AmiSession) -> None:
        self.session = session
        self.parser = Parser()

    def data_received(self, data: bytes) -> None:
        for message in self.parser.feed(data):
            try:
                self.session._dispatch(message)
            except Exception:  # a broken callback must not take the connection down
                logger.exception("AMI event handler failed on %s", message.get("Event"))
        if self.parser.banner is not None and not self.session._banner.done():
            self.session._banner.set_result(self.parser.banner)

    def connection_lost(self, exc: Exception | None) -> None:
        self.session._lost(exc)


ActionFields = str | int | list[str]


class AmiSender(Protocol):
    """Anything that sends an action and returns its answer: :class:`AmiSession`, and the
    long-lived :class:`controller.ami.client.AmiClient`."""

    async def send(
        self, name: str, fields: dict[str, ActionFields] | None = None, timeout: float | None = None
    ) -> tuple[Message, list[Message]]: ...


class AmiLister(Protocol):
    """Anything that runs list actions (an :class:`AmiSession` or the AmiClient)."""

    async def list_action(self, name: str, **fields: ActionFields) -> list[Message]: ...


class AmiSession:
    def __init__(self, credentials: AmiCredentials, timeout: float) -> None:
        self.credentials = credentials
        self.timeout = timeout
        self._transport: asyncio.Transport | None = None
        self._banner: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._pending: dict[str, _Pending] = {}
        self._ids = itertools.count(1)
        self._closed = False
        self._gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.on_event: Callable[[Message], None] | None = None

    @property
    def where(self) -> str:
        return f"AMI at {self.credentials.host}:{self.credentials.port}"

    @classmethod
    async def open(
        cls,
        credentials: AmiCredentials,
        timeout: float = 5.0,
        on_event: Callable[[Message], None] | None = None,
        *,
        events: bool = True,
    ) -> AmiSession:
        """Connect and log in. ``on_event`` is set before the login, so events Asterisk sends
        with the login's answer (FullyBooted) are not lost. ``events=False`` asks Asterisk to
        send none: a session that only sends actions should not have to read, say, the
        10,000 contact events a large PJSIP reload produces."""
        session = cls(credentials, timeout)
        session.on_event = on_event
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await asyncio.wait_for(
                loop.create_connection(
                    lambda: _Protocol(session), credentials.host, credentials.port
                ),
                timeout,
            )
            session._transport = transport  # type: ignore[assignment]
            await asyncio.wait_for(asyncio.shield(session._banner), timeout)
        except (OSError, TimeoutError) as exc:
            session.close()
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "no answer"
            raise AmiError(f"cannot reach {session.where}: {reason}") from None
        response, _ = await session.send(
            "Login",
            {
                "Username": credentials.username,
                "Secret": credentials.secret,
                "Events": "on" if events else "off",
            },
        )
        if response.get("Response") != "Success":
            session.close()
            raise AmiLoginRefused(
                f"{session.where} refused the login of user {credentials.username!r}: "
                f"{response.get('Message', 'no reason given')} (check the AMI user and secret)"
            )
        return session

    async def __aenter__(self) -> AmiSession:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def is_closed(self) -> bool:
        return self._closed or self._gone.done()

    async def wait_closed(self) -> None:
        """Return when the connection is gone (closed by either side)."""
        await asyncio.shield(self._gone)

    def abort(self) -> None:
        """Drop the connection at once (no FIN handshake): for a peer that stopped answering."""
        if self._transport is not None:
            self._transport.abort()
        self.close()

    def close(self) -> None:
        self._closed = True
        if self._transport is not None:
            self._transport.close()
        self._lost(None)

    # -- protocol callbacks ---------------------------------------------------------------

    def _dispatch(self, message: Message) -> None:
        # Most messages are events while no action waits: skip the ActionID lookup then.
        pending = self._pending.get(message.header("ActionID") or "") if self._pending else None
        if pending is None:
            if self.on_event is not None and message.kind == "Event":
                self.on_event(message)
            return
        if message.kind == "Response":
            pending.response = message
            if message.get("EventList") != "start" and "list will follow" not in message.get(
                "Message", ""
            ):
                self._finish(message["ActionID"])
            else:
                pending.events = []
        elif pending.events is not None:
            if message.get("EventList") == "Complete":
                self._finish(message["ActionID"])
            else:
                pending.events.append(message)

    def _finish(self, action_id: str) -> None:
        pending = self._pending.pop(action_id)
        if not pending.future.done() and pending.response is not None:
            pending.future.set_result((pending.response, pending.events or []))

    def _lost(self, exc: Exception | None) -> None:
        if not self._gone.done():
            self._gone.set_result(None)
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(
                    AmiError(f"{self.where} closed the connection" + (f": {exc}" if exc else ""))
                )
        self._pending.clear()

    # -- actions --------------------------------------------------------------------------

    async def send(
        self,
        name: str,
        fields: dict[str, str | int | list[str]] | None = None,
        timeout: float | None = None,
    ) -> tuple[Message, list[Message]]:
        """Send an action; return its response and, for list actions, the listed events."""
        if self._transport is None or self._closed:
            raise AmiError(f"{self.where}: session is closed")
        action_id = f"pbx-{next(self._ids)}"
        # Serialised first: a value it refuses (AmiValueError) leaves nothing pending.
        data = format_action(name, {"ActionID": action_id, **(fields or {})})
        future: asyncio.Future[tuple[Message, list[Message]]] = (
            asyncio.get_running_loop().create_future()
        )
        self._pending[action_id] = _Pending(future)
        self._transport.write(data)
        try:
            return await asyncio.wait_for(future, timeout or self.timeout)
        except TimeoutError:
            self._pending.pop(action_id, None)
            raise AmiError(f"{self.where} did not answer {name} in time") from None

    async def action(self, name: str, **fields: str | int | list[str]) -> Message:
        """Send an action that must succeed; return its response."""
        response, _ = await self.send(name, fields)
        if response.get("Response") != "Success":
            raise AmiError(f"{name} failed: {response.get('Message', 'no reason given')}")
        return response

    async def list_action(self, name: str, **fields: str | int | list[str]) -> list[Message]:
        response, events = await self.send(name, fields)
        if response.get("Response") != "Success":
            message = response.get("Message", "")
            lowered = message.lower()
            # "Did not find context x", "No endpoints found": an empty answer, not a failure.
            if "not find" in lowered or "not found" in lowered or lowered.startswith("no "):
                return []
            raise AmiError(f"{name} failed: {message or 'no reason given'}")
        return events

    async def command(self, command: str) -> str:
        """Run a CLI command; return its output."""
        response = await self.action("Command", Command=command)
        return "\n".join(response.all("Output"))
