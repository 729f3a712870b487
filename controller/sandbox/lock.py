"""An advisory ``flock`` on a file beside the sandbox root.

flock is released by the kernel when its holder dies, so a crashed test run never leaves
a stale lock behind. The holder writes its pid into the file only to make the error
message useful; the lock itself is the flock, not the file's content.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from controller.errors import SandboxError


class FileLock:
    def __init__(self, path: Path, purpose: str) -> None:
        self.path = path
        self.purpose = purpose
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    @property
    def fileno(self) -> int:
        """The locked descriptor: pass it to a child that must keep the lock alive."""
        if self._fd is None:
            raise RuntimeError(f"{self.path} is not locked")
        return self._fd

    def acquire(self, *, wait: bool) -> bool:
        """Take the lock. With ``wait=False`` return False when another process has it."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def acquire_or_fail(self) -> None:
        if not self.acquire(wait=False):
            raise SandboxError(
                f"the sandbox is already {self.purpose} by another process "
                f"(pid {self.holder() or 'unknown'}, lock {self.path})"
            )

    def holder(self) -> int | None:
        """The pid written by the current holder, if the file names one."""
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def is_locked_elsewhere(self) -> bool:
        """True when another process holds the lock right now (checked, then released)."""
        if self._fd is not None or not self.path.exists():
            return False
        fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the descriptor drops the flock

    def __enter__(self) -> FileLock:
        self.acquire(wait=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
