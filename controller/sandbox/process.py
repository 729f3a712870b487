"""The sandbox's Asterisk daemon, found by its pid file and checked in /proc.

The daemon forks away from the process that started it and is reparented to PID 1, so it
is not our child: we cannot ``waitpid`` it and poll /proc instead. A zombie counts as gone
(PID 1 may take a while to reap it, or never, in a minimal container). Before any signal
the pid is checked to still be an ``asterisk`` whose root directory is the sandbox root,
so a recycled pid is never hit.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def read_pid(pid_file: Path) -> int | None:
    try:
        text = pid_file.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def process_state(pid: int) -> str | None:
    """The one-letter state from /proc/<pid>/stat ('R', 'S', 'Z' ...), None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name in parentheses may itself contain spaces or ')'.
    return stat.rpartition(")")[2].split()[0]


def is_alive(pid: int) -> bool:
    state = process_state(pid)
    return state is not None and state not in ("Z", "X")


def is_sandbox_asterisk(pid: int, root: Path) -> bool:
    """True when ``pid`` is a live asterisk process chrooted into ``root``."""
    try:
        comm = Path(f"/proc/{pid}/comm").read_text(encoding="utf-8").strip()
        proc_root = str(Path(f"/proc/{pid}/root").readlink())
    except OSError:
        return False
    return comm == "asterisk" and proc_root == str(root.resolve()) and is_alive(pid)


def wait_gone(pid: int, timeout: float, interval: float = 0.02) -> bool:
    """Wait until ``pid`` has exited (or is a zombie); False on timeout."""
    deadline = time.monotonic() + timeout
    while is_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


def signal_sandbox_asterisk(pid: int, root: Path, sig: signal.Signals) -> bool:
    """Send ``sig`` to ``pid`` only if it is still the sandbox's asterisk."""
    if not is_sandbox_asterisk(pid, root):
        return False
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    return True


def end_process(pid: int, root: Path, grace: float) -> bool:
    """TERM, then KILL, the sandbox asterisk ``pid``; True once it is gone."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not signal_sandbox_asterisk(pid, root, sig):
            return True
        if wait_gone(pid, grace):
            return True
    return not is_alive(pid)
