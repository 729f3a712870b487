"""Build the sandbox root once: Debian sid with Asterisk 22, by debootstrap.

A root counts as built only when ``/usr/sbin/asterisk`` exists *and* the marker written as
the very last step is there and names the same suite and packages. Anything else is a
half-finished or outdated build: it is wiped and redone. A lock file beside the root makes
a second process wait for the first build instead of racing it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from controller.errors import SandboxError
from controller.sandbox.layout import SandboxLayout
from controller.sandbox.lock import FileLock
from controller.sandbox.mounts import mounts_under

PACKAGES: tuple[str, ...] = (
    "asterisk",
    "asterisk-modules",
    "asterisk-core-sounds-en-gsm",
    "asterisk-moh-opsound-gsm",
)
_BUILD_TIMEOUT = 1800.0  # a slow mirror, not a hang, should be the only reason to get close

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BuildInfo:
    suite: str
    packages: tuple[str, ...]
    mirror: str
    seconds: float


def read_build_info(layout: SandboxLayout) -> BuildInfo | None:
    """The marker of a completed build, or None."""
    if not layout.asterisk_binary.is_file():
        return None
    try:
        data = json.loads(layout.marker.read_text(encoding="utf-8"))
        return BuildInfo(data["suite"], tuple(data["packages"]), data["mirror"], data["seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def ensure_built(
    root: Path,
    mirror: str,
    *,
    suite: str = "sid",
    packages: Sequence[str] = PACKAGES,
    force: bool = False,
    progress: Progress = lambda _line: None,
) -> BuildInfo:
    """Build the root unless a completed build of the same suite and packages is there.

    Idempotent and safe to call from several processes at once. ``force`` rebuilds anyway.
    Raises SandboxError (with debootstrap's last lines) when the build fails.
    """
    layout = SandboxLayout(root)
    wanted = tuple(packages)
    lock = FileLock(layout.build_lock, "being built")
    if not lock.acquire(wait=False):
        progress(f"waiting for another process (pid {lock.holder()}) to finish building")
    with lock:
        info = read_build_info(layout)
        if info and not force and (info.suite, info.packages) == (suite, wanted):
            return info
        if root.exists():
            reason = "a rebuild was asked for" if force else "it is incomplete or outdated"
            progress(f"removing the sandbox at {root}: {reason}")
            _wipe(layout)
        _ensure_debootstrap(progress)
        progress(f"building Debian {suite} with Asterisk into {root} from {mirror} (~1 min)")
        started = time.monotonic()
        # debootstrap inherits the lock: if we are killed, the lock lasts as long as it runs,
        # so the next builder cannot wipe the root under a still-running debootstrap.
        _debootstrap(root, mirror, suite, wanted, progress, keep_open=lock.fileno)
        shutil.copytree(layout.etc_dir, layout.pristine_etc, symlinks=True)
        info = BuildInfo(suite, wanted, mirror, round(time.monotonic() - started, 1))
        layout.marker.write_text(json.dumps(dataclasses.asdict(info)), encoding="utf-8")
        progress(f"sandbox built in {info.seconds:.0f} s")
        return info


def ensure_copied(
    source: Path, target: Path, *, progress: Progress = lambda _line: None
) -> BuildInfo:
    """Copy the built root ``source`` to ``target`` unless the same build is already there.

    A second sandbox in seconds instead of a debootstrap: the test suite runs one Asterisk
    per test worker, each in its own copy. Idempotent and safe to call from several processes
    at once. Raises SandboxError when ``source`` is not a completed build.
    """
    wanted = read_build_info(SandboxLayout(source))
    if wanted is None:
        raise SandboxError(f"cannot copy {source}: it is not a completed sandbox build")
    layout = SandboxLayout(target)
    with FileLock(layout.build_lock, "being built"):
        if read_build_info(layout) == wanted:
            return wanted
        if target.exists():
            _wipe(layout)
        progress(f"copying the sandbox at {source} to {target}")
        partial = target.with_name(target.name + ".copying")
        subprocess.run(["rm", "-rf", "--one-file-system", str(partial)], check=True)
        # -x: never into a mount (a running source has /proc and /dev bound inside it).
        copied = subprocess.run(
            ["cp", "-a", "-x", "--reflink=auto", str(source), str(partial)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if copied.returncode != 0:
            raise SandboxError(f"copying {source} to {target} failed: {copied.stderr.strip()}")
        partial.rename(target)
        return wanted


def _wipe(layout: SandboxLayout) -> None:
    # Deleting through a live bind mount of /dev would delete the host's /dev.
    run_lock = FileLock(layout.run_lock, "in use")
    if run_lock.is_locked_elsewhere():
        raise SandboxError(f"cannot rebuild {layout.root}: a sandbox Asterisk is running in it")
    left = mounts_under(layout.root)
    if left:
        raise SandboxError(
            f"cannot remove {layout.root}: still mounted: {', '.join(left)}; unmount them first"
        )
    # --one-file-system: even a mount that appeared after the check is not descended into.
    subprocess.run(["rm", "-rf", "--one-file-system", str(layout.root)], check=True)


def _ensure_debootstrap(progress: Progress) -> None:
    if shutil.which("debootstrap") or Path("/usr/sbin/debootstrap").is_file():
        return
    if os.geteuid() != 0:
        raise SandboxError("debootstrap is not installed; install it (apt-get install debootstrap)")
    progress("installing debootstrap on the host (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update"], ["apt-get", "install", "-y", "debootstrap"]):
        result = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
        if result.returncode != 0:
            tail = "\n".join(result.stderr.strip().splitlines()[-5:])
            raise SandboxError(f"{' '.join(argv)} failed:\n{tail}")


def _debootstrap(
    root: Path,
    mirror: str,
    suite: str,
    packages: tuple[str, ...],
    progress: Progress,
    keep_open: int,
) -> None:
    if os.geteuid() != 0:
        raise SandboxError("building the sandbox needs root (debootstrap, chroot)")
    root.parent.mkdir(parents=True, exist_ok=True)
    debootstrap = shutil.which("debootstrap") or "/usr/sbin/debootstrap"
    argv = [debootstrap, "--variant=minbase", f"--include={','.join(packages)}"]
    argv += [suite, str(root), mirror]
    tail: deque[str] = deque(maxlen=15)
    steps_seen: set[str] = set()
    with subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        pass_fds=(keep_open,),
    ) as proc:
        assert proc.stdout is not None
        timed_out = threading.Event()

        def on_timeout() -> None:
            timed_out.set()
            proc.kill()

        # daemon: a watchdog left behind by an exception must not keep the interpreter alive.
        watchdog = threading.Timer(_BUILD_TIMEOUT, on_timeout)
        watchdog.daemon = True
        watchdog.start()
        try:
            for raw in proc.stdout:
                line = raw.rstrip()
                tail.append(line)
                # "I: Retrieving libc6 2.41-1" x 150: show the first line of each step only.
                step = line.split(" ", 2)[1] if line.startswith("I: ") and " " in line else line
                if step not in steps_seen:
                    progress("  " + line)
                    steps_seen.add(step)
        except BaseException:
            # Nobody reads its output any more: it would block on a full pipe, and
            # Popen.__exit__ would wait for it forever.
            proc.kill()
            raise
        finally:
            watchdog.cancel()
        code = proc.wait()
    if timed_out.is_set():
        tail.append(f"(killed after {_BUILD_TIMEOUT:.0f} s)")
    if code != 0:
        log = root / "debootstrap" / "debootstrap.log"
        raise SandboxError(
            f"debootstrap failed (exit {code}); last output:\n  "
            + "\n  ".join(tail)
            + (f"\nfull log: {log}" if log.exists() else "")
        )
