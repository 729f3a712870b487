"""Progress of a long backup or restore, reported to a callback (the CLI writes to stderr)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Progress(Protocol):
    def step(self, message: str) -> None:
        """A phase begins (``reading the database``)."""

    def rows(self, table: str, done: int, total: int) -> None:
        """``done`` of ``total`` rows of ``table`` are through."""

    def warn(self, message: str) -> None:
        """Something the user should know; the work goes on."""


class SilentProgress:
    """Reports nothing but warnings (to ``warn_to``, if given)."""

    def __init__(self, warn_to: Callable[[str], None] | None = None) -> None:
        self._warn_to = warn_to

    def step(self, message: str) -> None:
        pass

    def rows(self, table: str, done: int, total: int) -> None:
        pass

    def warn(self, message: str) -> None:
        if self._warn_to is not None:
            self._warn_to(f"warning: {message}")


class TextProgress:
    """One line per phase; for a table, a line every ``interval`` seconds while it is under
    way, and one when it is done if it was large or took long enough to be reported."""

    def __init__(
        self,
        write: Callable[[str], None],
        interval: float = 5.0,
        large: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write = write
        self._interval = interval
        self._large = large
        self._clock = clock
        self._last = clock()
        self._reported: str | None = None  # the table a line was written for

    def step(self, message: str) -> None:
        self._write(message)
        self._last = self._clock()

    def rows(self, table: str, done: int, total: int) -> None:
        now = self._clock()
        if done >= total:
            if total >= self._large or self._reported == table:
                self._write(f"  {table}: {done:,} rows")
                self._last = now
            self._reported = None
        elif now - self._last >= self._interval:
            self._write(f"  {table}: {done:,} of {total:,} rows ({100 * done // total}%)")
            self._last = now
            self._reported = table

    def warn(self, message: str) -> None:
        self._write(f"warning: {message}")
