"""Asterisk's ``queue_log`` (``time|callid|queue|agent|event|data...``), the queue half of what
the recovery reads back. Asterisk writes it by default; ``log_membername_as_agent=yes`` (which
`pbxctl dialplan setup` puts in queues.conf) makes ``agent`` the member name: our agent code.

Times are whole seconds: the recovery takes exact times from the CEL events around each line.
"""

from __future__ import annotations

from dataclasses import dataclass

QUEUE_LOG_FILE = "queue_log"


@dataclass(frozen=True, slots=True)
class QueueLogLine:
    at: int  # epoch seconds, as Asterisk writes them
    callid: str  # the caller channel's Uniqueid (NONE/MANAGER for member events)
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]

    def field(self, index: int) -> str:
        """``data[index]`` or "" (Asterisk leaves trailing fields out)."""
        return self.data[index] if index < len(self.data) else ""

    def number(self, index: int) -> int | None:
        text = self.field(index)
        try:
            return int(text)
        except ValueError:
            return None


class QueueLogFormatError(ValueError):
    """A line that is not a queue_log line."""


def parse_line(line: str) -> QueueLogLine:
    parts = line.rstrip("\r\n").split("|")
    if len(parts) < 5:
        raise QueueLogFormatError(f"expected at least 5 fields: {line[:120]!r}")
    try:
        at = int(parts[0])
    except ValueError as err:
        raise QueueLogFormatError(f"bad time {parts[0]!r}") from err
    return QueueLogLine(at, parts[1], parts[2], parts[3], parts[4], tuple(parts[5:]))


def line_time(line: str) -> float | None:
    head, sep, _ = line.partition("|")
    if not sep:
        return None
    try:
        return float(head)
    except ValueError:
        return None
