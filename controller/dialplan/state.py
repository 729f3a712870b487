"""What the last successful apply wrote, so an apply with nothing to do costs almost nothing.

After an apply Asterisk confirmed, ``.state.json`` in the generated directory records the
configuration revision, a digest of everything else the files depend on (templates,
settings, controller version) and each file's size and modification time. When all of them
still match, nothing can have changed and the apply stops before reading the configuration.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

STATE_FILE = ".state.json"


@dataclass(frozen=True, slots=True)
class AppliedState:
    revision: int
    inputs: str
    files: dict[str, tuple[int, int]]  # name -> (size, mtime_ns)


def _stat(directory: Path, names: Iterable[str]) -> dict[str, tuple[int, int]] | None:
    result = {}
    for name in names:
        try:
            info = (directory / name).stat()
        except FileNotFoundError:
            return None
        result[name] = (info.st_size, info.st_mtime_ns)
    return result


def read_state(directory: Path) -> AppliedState | None:
    try:
        data = json.loads((directory / STATE_FILE).read_text(encoding="utf-8"))
        files = {name: (int(size), int(mtime)) for name, (size, mtime) in data["files"].items()}
        return AppliedState(int(data["revision"]), str(data["inputs"]), files)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or unreadable: do the full apply


def still_current(directory: Path, state: AppliedState, revision: int, inputs: str) -> bool:
    if state.revision != revision or state.inputs != inputs:
        return False
    return _stat(directory, state.files) == state.files


def write_state(directory: Path, revision: int, inputs: str, names: Iterable[str]) -> None:
    files = _stat(directory, names) or {}
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
