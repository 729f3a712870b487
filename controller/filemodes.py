"""Files and directories that hold secrets or personal data, with exact modes.

``open(path, mode)`` and ``mkdir(path, mode)`` only ever take permissions away through the
umask, and ``mkdir(parents=True)`` creates the parents with the umask's default (0755 under
the usual 022). Everything here sets the mode explicitly after creating, so the result is
the same under any umask: directories 0700, files 0600, never readable by others.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600

log = logging.getLogger(__name__)


def make_private_dirs(path: Path, mode: int = PRIVATE_DIR) -> None:
    """Create ``path`` and every missing parent with exactly ``mode``.

    Directories that already exist are left as they are: they may be shared (``/var/lib``)
    or set up by the admin or systemd (``StateDirectoryMode=0750``).
    """
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=mode)
        except FileExistsError:
            continue  # created meanwhile by another process: its mode is its own
        directory.chmod(mode)


def create_private_file(path: Path, mode: int = PRIVATE_FILE) -> bool:
    """Create ``path`` empty with exactly ``mode`` if it does not exist; True if created."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)
    return True


def remove_other_access(path: Path) -> None:
    """Take read/write/execute for others away from an existing ``path`` (made by an older
    version or another tool); group access stays, it may be deliberate. A file we do not own
    is left as it is, with a warning."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if not current & 0o007:
        return
    try:
        path.chmod(current & ~0o007)
    except PermissionError:
        log.warning("event=file_mode path=%s mode=%04o problem=readable_by_others", path, current)


def write_private_file(path: Path, data: bytes, mode: int = PRIVATE_FILE) -> None:
    """Replace ``path`` with ``data`` in one step; the file is ``mode`` from its first byte."""
    tmp = path.with_name(f".{path.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()  # a leftover of an interrupted run, possibly with another mode
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    tmp.replace(path)
