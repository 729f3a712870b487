"""Read Asterisk's log files backwards from their end: the recovery wants the last minutes or
hours of files that grow for months, so it never reads them from the start.

A file rotated away (``queue_log.1``, ``queue_log.0``, ``...csv.1.gz``) is read after the
current one when the wanted time lies before the current file's first line.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable, Iterator
from pathlib import Path

BLOCK = 1 << 16
LineTime = Callable[[str], float | None]


def rotated(path: Path) -> list[Path]:
    """``path`` and the files rotated from it, newest first (by modification time)."""
    siblings = [
        p
        for p in path.parent.glob(path.name + ".*")
        if p.is_file() and (p.suffix == ".gz" or p.name[len(path.name) + 1 :].isdigit())
    ]
    siblings.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return ([path] if path.is_file() else []) + siblings


def lines_backwards(path: Path) -> Iterator[str]:
    """The complete lines of ``path``, last first. A last line without its newline (Asterisk
    writing it right now) is skipped: the next read sees it whole."""
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        yield from reversed([line for line in text.splitlines() if line])
        return
    with path.open("rb") as handle:
        end = handle.seek(0, os.SEEK_END)
        tail = b""
        first_block = True
        while end > 0:
            start = max(0, end - BLOCK)
            handle.seek(start)
            block = handle.read(end - start) + tail
            end = start
            parts = block.split(b"\n")
            tail = parts[0] if start > 0 else b""
            complete = parts[1:] if start > 0 else parts
            if first_block:
                complete = complete[:-1]  # after the last newline: empty or half written
                first_block = False
            for raw in reversed(complete):
                if raw:
                    yield raw.decode("utf-8", errors="replace")


def scan_backwards(path: Path, line_time: LineTime) -> Iterator[tuple[float, str]]:
    """(time, line) of ``path`` and its rotated predecessors, newest first."""
    for file in rotated(path):
        for line in lines_backwards(file):
            at = line_time(line)
            if at is not None:
                yield at, line
