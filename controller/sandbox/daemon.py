"""Talking to the sandbox's Asterisk from the host: the CLI, the pid, start-up checks.

These work without owning the sandbox, so ``pbxctl sandbox status``/``cli`` can use them
while another process (``pbxctl sandbox start``, a test session) runs it.
"""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from controller.errors import SandboxError
from controller.sandbox import process
from controller.sandbox.layout import SandboxLayout

# The chroot gets a clean environment: the host's PATH may point into a virtualenv.
CHROOT_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": "/root"}


def require_root(action: str) -> None:
    """SandboxError unless we are root: chroot, mount and signalling the daemon need it."""
    if os.geteuid() != 0:
        raise SandboxError(f"{action} needs root (chroot, mount); run it with sudo")


def run_cli(root: Path, command: str, timeout: float = 15.0) -> str:
    """Run an Asterisk CLI command in the sandbox at ``root`` and return its output.

    ``asterisk -rx`` exits 0 even for an unknown command (the output says "No such
    command"), and 1 only when it cannot reach the daemon: that case raises SandboxError.
    """
    require_root("the sandbox Asterisk CLI")
    argv = ["chroot", str(root), "asterisk", "-n", "-rx", command]
    try:
        result = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, env=CHROOT_ENV, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise SandboxError(f"asterisk -rx {command!r} timed out after {timeout:.0f} s") from exc
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise SandboxError(f"asterisk -rx {command!r} failed: {detail or 'not running?'}")
    return result.stdout


def running_pid(root: Path) -> int | None:
    """The pid of the Asterisk running in ``root``, or None."""
    pid = process.read_pid(SandboxLayout(root).pid_file)
    return pid if pid is not None and process.is_sandbox_asterisk(pid, root) else None


def launch(root: Path) -> None:
    """Start the daemon in the chroot (it forks into the background and writes its pid file)."""
    argv = ["chroot", str(root), "asterisk", "-U", "asterisk", "-G", "asterisk", "-n"]
    # A file, not a pipe: the daemon may keep inherited descriptors open, and a pipe would
    # then never reach EOF.
    with tempfile.TemporaryFile("w+") as out:
        code = subprocess.run(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=CHROOT_ENV, check=False
        ).returncode
        out.seek(0)
        early = out.read().strip()
    if code != 0:
        raise SandboxError(f"asterisk did not start (exit {code}): {early}")


def wait_booted(root: Path, timeout: float) -> int:
    """Poll ``core waitfullybooted`` until it answers; return the daemon's pid. Fails early
    when the daemon dies, with the end of its log either way."""
    deadline = time.monotonic() + timeout
    pid = None
    while True:
        seen, pid = pid, pid or running_pid(root)
        if seen is not None and not process.is_alive(seen):
            raise SandboxError("Asterisk exited while booting" + log_tail(root))
        try:
            run_cli(root, "core waitfullybooted", timeout=5)
            break
        except SandboxError:
            if time.monotonic() > deadline:
                raise SandboxError(
                    f"Asterisk did not finish booting in {timeout:.0f} s{log_tail(root)}"
                ) from None
            time.sleep(0.05)
    pid = pid or running_pid(root)
    if pid is None:
        raise SandboxError("Asterisk booted but its pid file names no live asterisk")
    return pid


def log_tail(root: Path, lines: int = 15) -> str:
    """The end of this boot's messages.log, formatted to append to an error message."""
    log = SandboxLayout(root).log_dir / "messages.log"
    try:
        text = log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return f"\nlast lines of {log}:\n  " + "\n  ".join(text)


def chown_inside(root: Path, host_paths: Sequence[Path]) -> None:
    """``chown -R asterisk:asterisk`` run inside the chroot: the name "asterisk" there may
    belong to another account's uid on the host."""
    inside = ["/" + str(p.relative_to(root)) for p in host_paths]
    argv = ["chroot", str(root), "chown", "-R", "asterisk:asterisk", *inside]
    result = subprocess.run(argv, capture_output=True, text=True, env=CHROOT_ENV, check=False)
    if result.returncode != 0:
        raise SandboxError(f"chown in the sandbox failed: {result.stderr.strip()}")


def not_running_modules(module_show: str, modules: Sequence[str]) -> list[str]:
    """Modules of ``modules`` that ``module show`` does not list as Running."""
    running = {
        words[0]
        for words in (line.split() for line in module_show.splitlines())
        if words and words[0].endswith(".so") and "Running" in words
    }
    return [name for name in modules if name not in running]


def check_port_free(host: str, port: int) -> None:
    # Asterisk only logs a failed AMI bind and boots anyway; catch it here with a clear error.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise SandboxError(f"AMI port {host}:{port} is already in use") from None
            raise SandboxError(f"cannot check AMI port {host}:{port}: {exc}") from None
