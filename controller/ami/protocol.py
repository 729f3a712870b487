"""AMI wire format: ``Key: Value`` lines, a blank line ends a message.

The parser is incremental and decodes UTF-8 across read boundaries (a character split between
two reads is kept, not dropped as panoramisk does), and keeps repeated keys (``Output:``,
``ChanVariable:``) in order.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Mapping

from controller.ami import encode


class Message(Mapping[str, str]):
    """One AMI message. ``msg[key]`` is the first value of a key; :meth:`all` gives every value."""

    __slots__ = ("_first", "pairs")

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs
        first = dict(pairs)  # in C; but a repeated key would keep its last value ...
        if len(first) != len(pairs):  # ... so only then: the first value of each key
            first = {}
            for key, value in pairs:
                first.setdefault(key, value)
        self._first = first

    def __getitem__(self, key: str) -> str:
        return self._first[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._first)

    def __len__(self) -> int:
        return len(self._first)

    @property
    def fields(self) -> dict[str, str]:
        """The first value of every key, as a plain dict (fast lookups; do not modify)."""
        return self._first

    def all(self, key: str) -> list[str]:
        return [value for k, value in self.pairs if k == key]

    @property
    def kind(self) -> str:
        """``Response``, ``Event`` or the first key of an unexpected message."""
        return self.pairs[0][0] if self.pairs else ""

    def __repr__(self) -> str:
        return f"Message({self.pairs!r})"


def parse_message(block: str) -> Message:
    pairs = []
    append = pairs.append
    for line in block.split("\r\n"):
        # Nearly every line is "Key: value": one split, checked; the general case below.
        key, sep, value = line.partition(": ")
        if sep and ":" not in key:
            append((key, value))
            continue
        key, sep, value = line.partition(":")
        if sep:
            append((key, value[1:] if value.startswith(" ") else value))
        elif line:
            # Old-style command output lines without a key: keep them as Output.
            append(("Output", line))
    return Message(pairs)


class Parser:
    """Feed bytes, get whole messages."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self.banner: str | None = None

    def feed(self, data: bytes) -> list[Message]:
        self._buffer += self._decoder.decode(data)
        if self.banner is None:
            line, sep, rest = self._buffer.partition("\r\n")
            if not sep:
                return []
            self.banner, self._buffer = line, rest
        *blocks, self._buffer = self._buffer.split("\r\n\r\n")
        return [parse_message(block) for block in blocks if block]


def format_action(name: str, fields: Mapping[str, str | int | list[str]]) -> bytes:
    """Serialise an action; a list value repeats the key (``Variable: a=1``, ``Variable: b=2``).

    Every header passes :func:`controller.ami.encode.header` (no CR, LF or NUL, a line Asterisk
    reads whole): whatever a caller forgot to encode, no value can inject a header or an action.
    Raises :class:`~controller.ami.encode.AmiValueError` naming the field.
    """
    lines = [f"Action: {encode.header('Action', name)}"]
    for key, value in fields.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            lines.append(f"{key}: {encode.header(key, str(item))}")
    if len(lines) > encode.MAX_HEADERS:
        raise encode.AmiValueError(
            name, f"{len(lines)} headers; Asterisk reads at most {encode.MAX_HEADERS} per action"
        )
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
