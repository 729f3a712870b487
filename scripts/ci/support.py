"""Shared by the CI checks in this folder: commands with logs, process groups, the HTTP API.

Standard library only: the checks run with whatever Python runs them and import nothing
from the checkout's ``controller`` package (they test an installed or cloned copy of it).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent.parent
T = TypeVar("T")


class CheckFailed(Exception):
    """The check found the product broken; the message says what and how to see more."""


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"({path} not written)"
    return "\n".join(f"  | {line}" for line in text.splitlines()[-lines:])


def run(
    argv: Sequence[str | Path],
    *,
    cwd: Path,
    log: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> str:
    """Run a command to completion; its stdout (stderr goes to ``log`` too). CheckFailed with
    the end of the log when it fails or overruns ``timeout``."""
    command = " ".join(str(a) for a in argv)
    say(f"$ {command}")
    with log.open("a", encoding="utf-8") as sink:
        sink.write(f"$ {command}\n")
        sink.flush()
        try:
            result = subprocess.run(
                [str(a) for a in argv],
                cwd=cwd,
                env=None if env is None else dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=sink,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise CheckFailed(
                f"`{command}` took longer than {timeout:.0f} s:\n{tail(log)}"
            ) from exc
        sink.write(result.stdout)
    if result.returncode != 0:
        raise CheckFailed(f"`{command}` exited {result.returncode}:\n{tail(log)}")
    return result.stdout


class Group:
    """A command started as the leader of its own process group, output to a log file.

    Stopped through its process group id, so whatever it started in that group stops too,
    and nothing else on the machine is touched.
    """

    def __init__(
        self, argv: Sequence[str | Path], *, cwd: Path, log: Path, env: Mapping[str, str]
    ) -> None:
        self.command = " ".join(str(a) for a in argv)
        self.log = log
        say(f"$ {self.command} &  (output: {log.name})")
        with log.open("ab") as sink:
            self.process = subprocess.Popen(
                [str(a) for a in argv],
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid = self.process.pid  # also its process group id (start_new_session)

    def exited(self) -> int | None:
        return self.process.poll()

    def children(self) -> dict[int, str]:
        """The leader's child processes (pid -> start time): they may have left its group
        on purpose (a service started in its own session) and must then be stopped by pid."""
        return {pid: start for pid, (parent, start) in _processes().items() if parent == self.pid}

    def stop(self, sig: signal.Signals = signal.SIGTERM, grace: float = 30) -> int:
        """Send ``sig`` to the group; after ``grace`` seconds SIGKILL it. The exit code, or
        CheckFailed when it had to be killed."""
        if self.process.poll() is not None:
            return self.process.returncode
        say(f"stopping `{self.command}` (process group {self.pid}) with {sig.name}")
        _signal_group(self.pid, sig)
        try:
            return self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self.kill()
            raise CheckFailed(
                f"`{self.command}` did not stop within {grace:.0f} s of {sig.name}; killed:\n"
                f"{tail(self.log)}"
            ) from None

    def kill(self) -> None:
        """SIGKILL the group and the leader's children that left it (their own groups)."""
        strays = self.children()
        _signal_group(self.pid, signal.SIGKILL)
        for pid in strays:
            _signal_group(pid, signal.SIGKILL)
        self.process.wait()


def _processes() -> dict[int, tuple[int, str]]:
    """Every running process: pid -> (parent pid, start time in clock ticks since boot)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name (field 2) may hold spaces and parentheses: split after it.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # exited while we looked
        if fields[0] != "Z":  # a zombie has exited, only its parent has not reaped it yet
            found[int(stat.parent.name)] = (int(fields[1]), fields[19])
    return found


def survivors(snapshot: dict[int, str]) -> list[int]:
    """The processes of ``snapshot`` (pid -> start time) still running: same pid, same start
    (a reused pid is another process)."""
    running = _processes()
    return [pid for pid, start in snapshot.items() if running.get(pid, (0, ""))[1] == start]


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(pgid, sig)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_json(url: str, token: str, timeout: float = 5) -> Any:
    """GET an API resource with a bearer token; OSError when it is not reachable or not 200."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise OSError(f"GET {url}: HTTP {response.status} {body[:200]!r}")
    return json.loads(body)


def wait_for(
    what: str,
    probe: Callable[[], T | None],
    *,
    within: float,
    alive: Group | None = None,
    interval: float = 0.5,
) -> T:
    """Call ``probe`` until it returns something other than None. CheckFailed after
    ``within`` seconds, or at once when ``alive`` (the process that should provide it) exits."""
    deadline = time.monotonic() + within
    while True:
        result = probe()
        if result is not None:
            return result
        if alive is not None and (code := alive.exited()) is not None:
            raise CheckFailed(f"`{alive.command}` exited {code} before {what}:\n{tail(alive.log)}")
        if time.monotonic() > deadline:
            log = f":\n{tail(alive.log)}" if alive is not None else ""
            raise CheckFailed(f"no {what} within {within:.0f} s{log}")
        time.sleep(interval)


def main(check: Callable[[], None]) -> None:
    """Run ``check``; print why it failed and exit 1, or exit 0."""
    started = time.monotonic()
    try:
        check()
    except CheckFailed as failure:
        print(f"error: {failure}", file=sys.stderr, flush=True)
        say(f"FAILED after {time.monotonic() - started:.0f} s")
        sys.exit(1)
    say(f"passed in {time.monotonic() - started:.0f} s")
