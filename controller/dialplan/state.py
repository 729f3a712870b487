"""What the last successful apply wrote, so an apply with nothing to do costs almost nothing.

After an apply Asterisk confirmed, ``.state.json`` in the generated directory records the
configuration revision, a digest of everything else the files depend on (templates,
settings, controller version) and each file's size, modification time and content digest.
When the revision and inputs still match and no file was touched, nothing can have changed
and the apply stops before reading the configuration. Otherwise the digests tell which of
the freshly rendered files differ from what Asterisk has, without reading them all.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

STATE_FILE = ".state.json"


@dataclass(frozen=True, slots=True)
class AppliedState:
    revision: int
    inputs: str
    files: dict[str, tuple[int, int, str]]  # name -> (size, mtime_ns, digest)

    def unchanged(self, directory: Path, name: str, digest: str) -> bool:
        """Whether ``name`` on disk is still the file of ``digest`` this state recorded."""
        recorded = self.files.get(name)
        if recorded is None or recorded[2] != digest:
            return False
        try:
            info = (directory / name).stat()
        except FileNotFoundError:
            return False
        return (info.st_size, info.st_mtime_ns) == recorded[:2]


def read_state(directory: Path) -> AppliedState | None:
    try:
        data = json.loads((directory / STATE_FILE).read_text(encoding="utf-8"))
        files = {
            name: (int(size), int(mtime), str(digest))
            for name, (size, mtime, digest) in data["files"].items()
        }
        return AppliedState(int(data["revision"]), str(data["inputs"]), files)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing, unreadable or an older format: do the full apply


def still_current(directory: Path, state: AppliedState, revision: int, inputs: str) -> bool:
    if state.revision != revision or state.inputs != inputs:
        return False
    for name, (size, mtime, _digest) in state.files.items():
        try:
            info = (directory / name).stat()
        except FileNotFoundError:
            return False
        if (info.st_size, info.st_mtime_ns) != (size, mtime):
            return False
    return True


def write_state(directory: Path, revision: int, inputs: str, digests: Mapping[str, str]) -> None:
    files = {}
    for name, digest in digests.items():
        info = (directory / name).stat()
        files[name] = (info.st_size, info.st_mtime_ns, digest)
    data = {"revision": revision, "inputs": inputs, "files": files}
    tmp = directory / f".{STATE_FILE}.tmp"
    tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
    tmp.replace(directory / STATE_FILE)


def forget_state(directory: Path) -> None:
    (directory / STATE_FILE).unlink(missing_ok=True)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Rendering a large site allocates millions of small, acyclic objects; the cyclic
    collector would scan them over and over (measured: 3x slower). Pause it meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def gc_frozen(freeze: bool = True) -> Iterator[None]:
    """Move every object alive now out of the cyclic collector's sight (``gc.freeze``)
    until the block ends: after a full render that kept the collector paused, its first
    full collection would scan millions of objects that are about to go anyway. Objects
    made meanwhile are collected as usual."""
    if not freeze:
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
