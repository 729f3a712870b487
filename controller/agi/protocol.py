"""The AGI wire format, both directions, with no I/O.

Asterisk opens a FastAGI session with ``key: value`` header lines and a blank line, then waits
for one command line at a time and answers each with ``<code> result=<n> [(data)]``. A line
``HANGUP`` may arrive at any moment once the channel hung up: it is a notice, not a response,
and must never be taken for the answer to the command in flight (panoramisk 1.4 does, and its
later responses are misaligned).

Asterisk reads commands through a buffered ``FILE`` (res_agi.c ``fgets``): a second command
written before the first one's response may sit in that buffer unseen while Asterisk polls
the socket. So commands are never pipelined; :func:`array_assignments` packs many variables
into one ``SET VARIABLE`` instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

MAX_HEADER_BYTES = 16 * 1024  # a real header block is ~600 bytes
# res_agi.c reads a command into an 8 KiB buffer; stay well below it.
MAX_COMMAND_BYTES = 4000
HANGUP_NOTICE = "HANGUP"

_RESULT = re.compile(r"result=(-?\w*)(?:\s+\((.*)\))?")
# What a variable name may look like (ours, or a dialplan function such as CHANNEL(language)).
_NAME = re.compile(r"_{0,2}[A-Za-z][A-Za-z0-9_]*(?:\([A-Za-z0-9_,-]*\))?")
# Level 2 of the escaping: ARRAY() splits its value with Asterisk's standard argument
# parser, which strips one backslash and treats these characters specially.
_ARRAY_SPECIAL = re.compile(r'([\\",()\[\]])')
# Control characters would end or corrupt the command line: dropped (str.translate is C-fast).
_CONTROL = dict.fromkeys([*range(32), 127])
_MAX_ARRAY = 90  # ARRAY() takes at most 100 names


class AgiProtocolError(Exception):
    """The peer sent something that is not AGI."""


def parse_headers(block: bytes) -> dict[str, str]:
    """The ``agi_*`` headers of a session (the bytes before the blank line)."""
    headers: dict[str, str] = {}
    text = block.decode("utf-8", "replace")  # once for the block, not per line
    if "\r" in text:
        text = text.replace("\r", "")
    for line in text.split("\n"):
        key, sep, value = line.partition(": ")
        if sep and key:
            headers[key] = value
        elif line.endswith(":") and len(line) > 1:
            headers[line[:-1]] = ""  # "agi_rdnis:" with an empty value
    if "agi_network_script" not in headers and "agi_request" not in headers:
        raise AgiProtocolError("no agi_network_script or agi_request header")
    return headers


def arguments(headers: Mapping[str, str]) -> tuple[str, ...]:
    """``agi_arg_1`` .. ``agi_arg_N`` in order."""
    args: list[str] = []
    while (value := headers.get(f"agi_arg_{len(args) + 1}")) is not None:
        args.append(value)
    return tuple(args)


@dataclass(frozen=True, slots=True)
class AgiResponse:
    code: int
    result: str  # the "result=" value, "" if none
    data: str  # the text in parentheses, "" if none
    line: str

    @property
    def ok(self) -> bool:
        return self.code == 200 and not self.result.startswith("-")


def parse_response(line: str) -> AgiResponse:
    """One response line, e.g. ``200 result=1 (timeout)``."""
    head = line[:3]
    if len(line) < 3 or not head.isdigit():
        raise AgiProtocolError(f"not an AGI response: {line[:80]!r}")
    match = _RESULT.search(line, 3)
    if match is None:
        return AgiResponse(int(head), "", "", line)
    return AgiResponse(int(head), match.group(1), match.group(2) or "", line)


def quote(value: str) -> str:
    """One AGI command argument: res_agi's parser honours double quotes and backslashes.
    Line breaks would end the command, so they (and other control characters) are dropped."""
    cleaned = value if value.isprintable() else value.translate(_CONTROL)
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _array_escape(value: str) -> str:
    if not value.isprintable():  # rare: most values need neither step
        value = value.translate(_CONTROL)
    return _ARRAY_SPECIAL.sub(r"\\\1", value) if _ARRAY_SPECIAL.search(value) else value


@lru_cache(maxsize=1024)  # the same few names, every call
def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"channel variable name {name!r} is not allowed")
    return name


def set_variable(name: str, value: str) -> str:
    return f"SET VARIABLE {check_name(name)} {quote(value)}"


def array_assignments(pairs: Sequence[tuple[str, str]]) -> Iterator[str]:
    """``SET VARIABLE "ARRAY(A,B,...)" "a,b,..."`` commands setting ``pairs`` in order.

    One command sets them all unless the line would grow past :data:`MAX_COMMAND_BYTES`;
    then the pairs are split over several commands, still in order, so a variable the caller
    puts last (``PBX_AGI_OK``) is still set last.
    """
    names: list[str] = []
    values: list[str] = []
    size = 0
    for name, value in pairs:
        escaped = _array_escape(value)
        cost = len(name) + len(escaped.encode()) * 2 + 2  # quoting may double backslashes
        if names and (size + cost > MAX_COMMAND_BYTES - 40 or len(names) >= _MAX_ARRAY):
            yield _array_command(names, values)
            names, values, size = [], [], 0
        names.append(check_name(name))
        values.append(escaped)
        size += cost
    if names:
        yield _array_command(names, values)


def _array_command(names: list[str], values: list[str]) -> str:
    if len(names) == 1:
        # A lone value needs no ARRAY(); undo its level-2 escaping.
        return set_variable(names[0], re.sub(r"\\(.)", r"\1", values[0]))
    return f"SET VARIABLE {quote('ARRAY(' + ','.join(names) + ')')} {quote(','.join(values))}"
