"""Where things are inside and beside a sandbox root.

All paths here are host paths. Paths *inside* the chroot must be resolved with
:func:`resolve_in_root`: the chroot holds absolute symlinks (``/var/run -> /run``) that,
followed on the host, would point at the host's own files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

# Asterisk's own directories, as seen from inside the chroot (Debian's asterisk.conf).
ETC_DIR = "/etc/asterisk"
RUN_DIR = "/var/run/asterisk"
PID_FILE = "/var/run/asterisk/asterisk.pid"
LIB_DIR = "/var/lib/asterisk"
LOG_DIR = "/var/log/asterisk"
SPOOL_DIR = "/var/spool/asterisk"
MONITOR_DIR = "/var/spool/asterisk/monitor"
CACHE_DIR = "/var/cache/asterisk"
SOUNDS_DIR = "/usr/share/asterisk/sounds"
ASTDB = "/var/lib/asterisk/astdb.sqlite3"
ASTERISK_BINARY = "/usr/sbin/asterisk"
ASTERISK_CONF = "/etc/asterisk/asterisk.conf"
# Directories the daemon (user asterisk) must own; chowned from inside the chroot because
# the uid of "asterisk" there may belong to another account on the host.
OWNED_DIRS = (ETC_DIR, LIB_DIR, LOG_DIR, SPOOL_DIR, RUN_DIR, CACHE_DIR)

# Ours, not Debian's: the stock /etc/asterisk saved once after the build, and the marker
# written last by a successful build (its absence means "half-finished: wipe and redo").
PRISTINE_ETC = "/usr/share/pbx-sandbox/etc-asterisk"
BUILD_MARKER = "/usr/share/pbx-sandbox/built.json"

_MAX_SYMLINKS = 40  # the kernel's own limit (ELOOP)


def resolve_in_root(root: Path, inside: str) -> Path:
    """Return the host path of ``inside`` (an absolute chroot path), following symlinks
    the way the kernel would inside the chroot: absolute targets restart at ``root`` and
    ``..`` never climbs above it. Missing components are kept as they are."""
    pending = list(PurePosixPath(inside).parts[1:])
    resolved: list[str] = []
    hops = 0
    while pending:
        part = pending.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = root.joinpath(*resolved, part)
        if candidate.is_symlink():
            hops += 1
            if hops > _MAX_SYMLINKS:
                raise OSError(f"too many levels of symbolic links resolving {inside} in {root}")
            target = PurePosixPath(candidate.readlink().as_posix())
            if target.is_absolute():
                resolved = []
                pending = list(target.parts[1:]) + pending
            else:
                pending = list(target.parts) + pending
            continue
        resolved.append(part)
    return root.joinpath(*resolved)


@dataclass(frozen=True, slots=True)
class SandboxLayout:
    """Host paths of one sandbox root and of the lock files kept beside it.

    The locks live outside ``root`` because a half-finished build wipes ``root``.
    """

    root: Path

    def inside(self, path: str) -> Path:
        return resolve_in_root(self.root, path)

    @property
    def build_lock(self) -> Path:
        return self.root.with_name(self.root.name + ".build.lock")

    @property
    def run_lock(self) -> Path:
        return self.root.with_name(self.root.name + ".run.lock")

    @property
    def marker(self) -> Path:
        return self.inside(BUILD_MARKER)

    @property
    def pristine_etc(self) -> Path:
        return self.inside(PRISTINE_ETC)

    @property
    def etc_dir(self) -> Path:
        return self.inside(ETC_DIR)

    @property
    def pid_file(self) -> Path:
        return self.inside(PID_FILE)

    @property
    def log_dir(self) -> Path:
        return self.inside(LOG_DIR)

    @property
    def monitor_dir(self) -> Path:
        return self.inside(MONITOR_DIR)

    @property
    def sounds_dir(self) -> Path:
        return self.inside(SOUNDS_DIR)

    @property
    def astdb(self) -> Path:
        return self.inside(ASTDB)

    @property
    def asterisk_binary(self) -> Path:
        return self.inside(ASTERISK_BINARY)

    def module_dir(self) -> Path:
        """The module directory named by the stock asterisk.conf (it is multiarch:
        ``/usr/lib/<triplet>/asterisk/modules``, so it cannot be a constant)."""
        conf = self.pristine_etc / "asterisk.conf"
        if not conf.is_file():
            conf = self.inside(ASTERISK_CONF)
        for line in conf.read_text(encoding="utf-8", errors="replace").splitlines():
            key, sep, value = line.partition("=>")
            if sep and key.strip() == "astmoddir":
                return self.inside(value.split(";", 1)[0].strip())
        raise FileNotFoundError(f"no astmoddir in {conf}")
