"""Pause Python's cyclic garbage collector while a large configuration is built or written."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building acyclic data.

    Reading, validating, importing or exporting a large configuration allocates hundreds of
    thousands of containers that all stay alive; each collection would walk them all again
    (measured: half the load time of a 12 MiB file; a third of the export of the
    10,000-extension site). Nested pauses are fine: only the outermost one resumes it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
