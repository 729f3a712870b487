"""Mount /proc, /dev and /dev/pts into the chroot, and take down exactly those mounts.

What we mounted is written to a state file beside the root as soon as each mount succeeds.
A run killed before it could unmount leaves that file behind; the next run (which holds the
run lock, so no live instance can own them) takes those mounts down first. Mounts we did not
make are never touched.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import time
from pathlib import Path

from controller.errors import SandboxError
from controller.sandbox.layout import resolve_in_root

# (chroot path, mount arguments before the target). Bind mounts are not recursive, so
# /dev/pts needs its own (Asterisk's remote console allocates a pty).
_MOUNTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("/proc", ("-t", "proc", "proc")),
    ("/dev", ("--bind", "/dev")),
    ("/dev/pts", ("--bind", "/dev/pts")),
)


logger = logging.getLogger(__name__)

# A mount is busy for a moment after the last process inside the chroot exits (its files are
# closed as it is reaped) or while a remote console launched just before is still leaving.
_BUSY_RETRY_SECONDS = 5.0
_BUSY_RETRY_STEP = 0.2

_OCTAL = re.compile(r"\\([0-7]{3})")


def mount_points() -> set[str]:
    """Every current mount point of this mount namespace, as host paths."""
    points: set[str] = set()
    with Path("/proc/self/mountinfo").open(encoding="utf-8") as fh:
        for line in fh:
            # mountinfo escapes space, tab, newline and backslash as octal (\040).
            points.add(_OCTAL.sub(lambda m: chr(int(m[1], 8)), line.split()[4]))
    return points


def mounts_under(root: Path) -> list[str]:
    """Mount points at or below ``root``, deepest first (the order to unmount them in)."""
    prefix = str(root.resolve())
    found = [p for p in mount_points() if p == prefix or p.startswith(prefix + "/")]
    return sorted(found, key=len, reverse=True)


class ChrootMounts:
    def __init__(self, root: Path, state_file: Path) -> None:
        self.root = root
        self.state_file = state_file
        self.mounted: list[str] = self._load()

    def _load(self) -> list[str]:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [str(p) for p in data] if isinstance(data, list) else []

    def _save(self) -> None:
        if self.mounted:
            self.state_file.write_text(json.dumps(self.mounted), encoding="utf-8")
        else:
            self.state_file.unlink(missing_ok=True)

    def mount(self) -> None:
        """Mount what is not mounted yet; a mount already there (not ours) is used as is."""
        present = mount_points()
        for inside, args in _MOUNTS:
            target = str(resolve_in_root(self.root, inside))
            if target in present:
                continue
            _run(["mount", *args, target])
            self.mounted.append(target)
            self._save()

    def unmount(self) -> None:
        """Unmount what we mounted, deepest first; SandboxError naming what is left."""
        present = mount_points()
        failed: list[str] = []
        for target in sorted(self.mounted, key=len, reverse=True):
            if target in present and not _unmount(target):
                failed.append(target)
                continue
            self.mounted.remove(target)
        self._save()
        if failed:
            raise SandboxError(f"could not unmount {', '.join(failed)}; unmount by hand")


def _unmount(target: str) -> bool:
    """Unmount ``target``, waiting out a short busy spell; detach it lazily if a process in
    the chroot still holds it (the kernel finishes when that process goes). False if even
    that failed."""
    deadline = time.monotonic() + _BUSY_RETRY_SECONDS
    while True:
        try:
            _run(["umount", target])
            return True
        except SandboxError as exc:
            if time.monotonic() >= deadline:
                logger.warning(
                    "sandbox=umount_busy target=%s error=%r: detaching", target, str(exc)
                )
                break
        time.sleep(_BUSY_RETRY_STEP)
    try:
        _run(["umount", "--lazy", target])
    except SandboxError:
        return False
    return True


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    if result.returncode != 0:
        raise SandboxError(f"{' '.join(argv)} failed: {result.stderr.strip()}")
