"""Fixtures for tests against a real Asterisk 22: the sandbox chroot (needs root).

A pytest plugin (registered once in tests/conftest.py), so the integration tests and the
browser tests share ONE session-wide sandbox: a fixture imported into a second test module
would be a second definition, start a second Asterisk on the same root and find it locked.

- ``asterisk_sandbox`` (session): builds the chroot if needed (cached outside the repo, at the
  sandbox.root setting), starts Asterisk with :data:`BASE_CONFIG`, a free AMI port and a
  random AMI secret, and yields the running :class:`AsteriskSandbox` (credentials in
  ``.ami``). Stopped at the end of the session.
- ``restart_asterisk``: ``restart_asterisk(files)`` restarts it with the test's own config
  files (stock files plus ``files``); the base config is restored after the test.
- ``ami_connect``: ``await ami_connect(username=..., secret=...)`` logs in and returns a
  panoramisk Manager, or raises :class:`AmiLoginError` at once (no endless reconnects).
  Every manager it made is closed after the test.
- ``ami``: a logged-in Manager with the sandbox's own account.
- ``ami_events``: an :class:`AmiEvents` recording everything ``ami`` receives.

When the sandbox cannot be built or started, every test using it FAILS with the reason;
none is skipped.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any

import pytest
import pytest_asyncio
from panoramisk import Manager
from panoramisk.message import Message

from controller.config import load_settings
from controller.errors import SandboxError
from controller.sandbox import AsteriskSandbox, ensure_built, ensure_copied, host_mirror

AMI_USERNAME = "pytest"
# The dialplan every test can rely on; a test that needs more restarts with its own files.
BASE_CONFIG: dict[str, str] = {
    "extensions.conf": (
        "[sandbox-smoke]\nexten => s,1,Answer()\n same => n,Wait(1)\n same => n,Hangup()\n"
    ),
}
LOGIN_TIMEOUT = 5.0


def _free_port() -> int:
    # Not 5038: a developer's own Asterisk (or `pbxctl sandbox start`) may hold it.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _or_fail(what: str, action: Callable[[], object]) -> None:
    """Run ``action``; a SandboxError fails the test (never skips it) with its message."""
    try:
        action()
    except SandboxError as err:
        failure = f"Asterisk sandbox: {what} failed: {err}"
    else:
        return
    pytest.fail(failure, pytrace=False)  # outside `except`: no chained traceback


@pytest.fixture(scope="session")
def asterisk_sandbox(pytestconfig: pytest.Config) -> Iterator[AsteriskSandbox]:
    settings = load_settings()
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")

    def progress(line: str) -> None:
        if reporter is not None:
            reporter.write_line(f"[sandbox] {line}")

    # Under pytest-xdist each worker runs its own Asterisk in its own copy of the root (one
    # Asterisk per root): the real-call tests spread over the workers like the others.
    base = settings.sandbox_root
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    root = base.with_name(f"{base.name}-{worker}") if worker else base

    def build() -> None:
        mirror = settings.sandbox.mirror or host_mirror()
        ensure_built(base, mirror, suite=settings.sandbox.suite, progress=progress)
        if root != base:
            ensure_copied(base, root, progress=progress)

    _or_fail("build", build)
    sandbox = AsteriskSandbox(root)
    secret = secrets.token_urlsafe(18)
    _or_fail("start", lambda: sandbox.start(BASE_CONFIG, AMI_USERNAME, secret, _free_port()))
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def restart_asterisk(
    asterisk_sandbox: AsteriskSandbox,
) -> Iterator[Callable[[Mapping[str, str]], AsteriskSandbox]]:
    used = False

    def restart(files: Mapping[str, str]) -> AsteriskSandbox:
        nonlocal used
        used = True
        _or_fail("restart", lambda: asterisk_sandbox.restart(files))
        return asterisk_sandbox

    yield restart
    if used:
        _or_fail("restart with the base config", lambda: asterisk_sandbox.restart(BASE_CONFIG))


class AmiLoginError(Exception):
    """AMI refused the login, or could not be reached; raised once, never retried."""


class OneShotManager(Manager):  # type: ignore[misc]
    """A panoramisk Manager that stops reconnecting once closed.

    panoramisk retries a refused connection and a failed login every ``reconnect_timeout``
    seconds, forever, even after ``close()``; its retry timers call :meth:`connect`.
    """

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.closed = False
        self.connect_calls = 0

    def connect(self, *args: Any, **kwargs: Any) -> asyncio.Task[Any] | None:
        if self.closed:
            return None
        self.connect_calls += 1
        return super().connect(*args, **kwargs)  # type: ignore[no-any-return]

    def close(self) -> None:
        self.closed = True
        super().close()


async def ami_login(
    host: str, port: int, username: str, secret: str, within: float = LOGIN_TIMEOUT
) -> OneShotManager:
    """Connect and log in; AmiLoginError (with Asterisk's reason) if that fails."""
    manager = OneShotManager(
        loop=asyncio.get_running_loop(),
        host=host,
        port=port,
        username=username,
        secret=secret,
        reconnect_timeout=1,
    )
    where = f"{username}@{host}:{port}"
    try:
        try:
            await asyncio.wait_for(manager.connect(), within)
        except (OSError, TimeoutError) as exc:
            raise AmiLoginError(f"cannot reach AMI at {host}:{port}: {exc}") from exc
        # connect() returns before the login: its done-callback (which ran before we resumed,
        # being registered first) sent the Login action. Keep our own reference to that
        # future: panoramisk resets the attribute to None once the response arrives.
        login = manager.authenticated_future
        if login is None:
            raise AmiLoginError(f"AMI login as {where}: panoramisk sent no Login action")
        try:
            # shield: a timeout must not cancel the future panoramisk's callback reads.
            response = await asyncio.wait_for(asyncio.shield(login), within)
        except TimeoutError:
            raise AmiLoginError(f"AMI login as {where}: no answer in {within:.0f} s") from None
        if not response.success:
            raise AmiLoginError(f"AMI login as {where} refused: {response.message}")
    except BaseException:
        manager.close()
        raise
    return manager


AmiConnect = Callable[..., Awaitable[OneShotManager]]


@pytest_asyncio.fixture
async def ami_connect(asterisk_sandbox: AsteriskSandbox) -> AsyncIterator[AmiConnect]:
    made: list[OneShotManager] = []

    async def connect(
        username: str | None = None, secret: str | None = None, within: float = LOGIN_TIMEOUT
    ) -> OneShotManager:
        account = asterisk_sandbox.ami
        manager = await ami_login(
            account.host,
            account.port,
            username or account.username,
            account.secret if secret is None else secret,
            within,
        )
        made.append(manager)
        return manager

    yield connect
    for manager in made:
        manager.close()


@pytest_asyncio.fixture
async def ami(ami_connect: AmiConnect) -> OneShotManager:
    return await ami_connect()


class AmiEvents:
    """Every event a Manager receives, with a timed wait for the one a test expects.

    The callback only appends: an exception in a panoramisk callback drops the connection.
    """

    def __init__(self, manager: Manager) -> None:
        self.events: list[Message] = []
        self._arrived = asyncio.Event()
        self.started = time.monotonic()
        manager.register_event("*", self._on_event)

    def _on_event(self, _manager: Manager, event: Message) -> None:
        event["_received"] = time.monotonic()
        self.events.append(event)
        self._arrived.set()

    async def wait_for(
        self, what: str, predicate: Callable[[Message], bool], within: float = 5.0
    ) -> Message:
        deadline = time.monotonic() + within
        while True:
            for event in self.events:
                if predicate(event):
                    return event
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = ", ".join(str(e.get("Event")) for e in self.events[-20:])
                raise AssertionError(f"no AMI event {what} within {within} s; last: {seen}")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                continue


@pytest_asyncio.fixture
async def ami_events(ami: OneShotManager) -> AmiEvents:
    return AmiEvents(ami)
