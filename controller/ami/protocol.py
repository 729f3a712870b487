"""AMI wire format: ``Key: Value`` lines, a blank line ends a message.

The parser is incremental and decodes UTF-8 across read boundaries (a character split between
two reads is kept, not dropped as panoramisk does), and keeps repeated keys (``Output:``,
``ChanVariable:``) in order.

A message read from the wire keeps its text and is split into fields only when a field is
first read: the event name (:attr:`Message.event`) and a single header (:meth:`Message.header`)
are found in the text without splitting the rest, so an event nobody uses costs one string
search (without server-side filters, most of a busy stream: see controller/ami/filters.py).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Mapping

from controller.ami import encode

Pairs = list[tuple[str, str]]


class Message(Mapping[str, str]):
    """One AMI message. ``msg[key]`` is the first value of a key; :meth:`all` gives every value."""

    __slots__ = ("_block", "_event", "_first", "_pairs", "_simple")

    def __init__(self, pairs: Pairs) -> None:
        self._block: str | None = None
        self._event: str | None = None
        self._pairs: Pairs | None = pairs
        self._first: dict[str, str] | None = _first_values(pairs)
        self._simple = False

    @classmethod
    def from_text(cls, block: str) -> Message:
        """The message of one block (its lines without the blank line), split on first use."""
        message = cls.__new__(cls)
        message._block = block
        message._event = None
        message._pairs = None
        message._first = None
        message._simple = False  # split on the fast path: every line "Key: value", keys unique
        return message

    def __getitem__(self, key: str) -> str:
        return self.fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    @property
    def fields(self) -> dict[str, str]:
        """The first value of every key, as a plain dict (fast lookups; do not modify)."""
        first = self._first
        if first is None:
            first = self._first = self._split()
        return first

    @property
    def pairs(self) -> Pairs:
        """Every ``(key, value)`` in order, repeated keys included."""
        pairs = self._pairs
        if pairs is None:
            if self._simple and self._first is not None:
                # Split already, one pair per line: the same pairs, without parsing again
                # (the history keeps the events it stores verbatim as pairs).
                pairs = self._pairs = list(self._first.items())
            else:
                pairs = self._pairs = _pairs(self._block or "")
        return pairs

    def all(self, key: str) -> list[str]:
        return [value for k, value in self.pairs if k == key]

    @property
    def kind(self) -> str:
        """``Response``, ``Event`` or the first key of an unexpected message."""
        block = self._block
        if block is not None and self._pairs is None:
            if block.startswith("Event: "):
                return "Event"
            if block.startswith("Response: "):
                return "Response"
        pairs = self.pairs
        return pairs[0][0] if pairs else ""

    @property
    def event(self) -> str:
        """``fields.get("Event", "")``, read from the first line when not split yet (once:
        the client, the history's raw events and the decoder each ask)."""
        name = self._event
        if name is None:
            block = self._block
            if self._first is None and block is not None and block.startswith("Event: "):
                end = block.find("\r\n")
                name = block[7:end] if end >= 0 else block[7:]
            else:
                name = self.fields.get("Event", "")
            self._event = name
        return name

    def header(self, key: str) -> str | None:
        """``fields.get(key)``, found in the text when the message is not split yet.

        A line belongs to ``key`` exactly when it starts with ``key:`` (``Output`` aside: raw
        output lines have no key of their own), so the first such line is the first value."""
        block = self._block
        if self._first is not None or block is None or key == "Output":
            return self.fields.get(key)
        if block.startswith(key + ":"):
            start = len(key) + 1
        else:
            start = block.find("\r\n" + key + ":")
            if start < 0:
                return None
            start += len(key) + 3
        end = block.find("\r\n", start)
        value = block[start:end] if end >= 0 else block[start:]
        return value[1:] if value.startswith(" ") else value

    def _split(self) -> dict[str, str]:
        block = self._block or ""
        lines = block.split("\r\n")
        # Nearly every message is lines of "Key: value" with distinct keys: split in one pass
        # and check; anything else (repeated keys, other line shapes) takes the general path.
        try:
            first = dict([line.split(": ", 1) for line in lines])
        except ValueError:  # a line without ": "
            first = None
        if first is None or len(first) != len(lines) or ":" in "".join(first):
            first = _first_values(self.pairs)
        else:
            self._simple = True
        return first

    def __repr__(self) -> str:
        return f"Message({self.pairs!r})"


def _first_values(pairs: Pairs) -> dict[str, str]:
    first = dict(pairs)  # in C; but a repeated key would keep its last value ...
    if len(first) != len(pairs):  # ... so only then: the first value of each key
        first = {}
        for key, value in pairs:
            first.setdefault(key, value)
    return first


def _pairs(block: str) -> Pairs:
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
    return pairs


def parse_message(block: str) -> Message:
    return Message(_pairs(block))


class Parser:
    """Feed bytes, get whole messages (split into fields when first read)."""

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
        lazy = Message.from_text
        return [lazy(block) for block in blocks if block]


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
