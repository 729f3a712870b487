"""A large AMI event stream made from the transcripts recorded on the real Asterisk.

The events of tests/fixtures/ami/{answered,abandon,transfer,live}.ami are copied many times,
each copy with its own uniqueids, linkedids, bridge ids and channel-name sequence numbers (so
the calls are distinct) and a Chinese caller name, and ``concurrent`` copies are interleaved
event by event, so the tracker holds that many calls at once, as on a busy system. List
responses and the login answer are left out: this is the event stream only.
"""

from __future__ import annotations

import re
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "ami"
SCENARIOS = ("answered", "abandon", "transfer", "live")
NAMES = ("张伟", "李娜", "王芳", "刘洋", "陈静", "杨秀英", "赵明", "孙丽", "周婷", "黄敏")

_IDS = re.compile(
    r"^(?:Uniqueid|Linkedid|DestUniqueid|DestLinkedid|TransfererUniqueid|TransfereeUniqueid|"
    r"BridgeUniqueid|ChannelId): ([^\r\n]+)\r?$",
    re.MULTILINE,
)
_SEQUENCE = re.compile(r"-(0000[0-9a-f]{4})(?=;[12])")


def _events(name: str) -> list[str]:
    text = (FIXTURES / f"{name}.ami").read_bytes().decode("utf-8")
    blocks = text.split("\r\n\r\n")
    return [b for b in blocks if b.startswith("Event: ") and "ActionID: " not in b]


def _template(blocks: list[str]) -> tuple[list[str], list[str]]:
    """Blocks with every id replaced by a ``{n}`` placeholder, and the ids in order."""
    ids: list[str] = []
    for block in blocks:
        for value in _IDS.findall(block):
            if value and value not in ids:
                ids.append(value)
    # Longest first, so "cust-1-b" is replaced before "cust-1".
    order = sorted(ids, key=len, reverse=True)
    out = []
    for block in blocks:
        for value in order:
            block = block.replace(value, "\x00" + str(ids.index(value)) + "\x01")
        out.append(block)
    return out, ids


def _copy(template: list[str], count: int, copy: int) -> list[str]:
    name = NAMES[copy % len(NAMES)]
    result = []
    for block in template:
        for index in range(count):
            block = block.replace(f"\x00{index}\x01", f"b{copy}x{index}")
        block = _SEQUENCE.sub(lambda m: f"-{copy:04x}{m.group(1)[4:]}", block)
        block = block.replace("CallerIDName: 13900001111", f"CallerIDName: {name}")
        result.append(block)
    return result


def build(copies: int, concurrent: int = 50) -> tuple[bytes, int]:
    """The stream's bytes and its number of events."""
    templates = [_template(_events(name)) for name in SCENARIOS]
    streams: list[list[str]] = []
    for copy in range(copies):
        template, ids = templates[copy % len(templates)]
        streams.append(_copy(template, len(ids), copy))
    out: list[str] = []
    for start in range(0, len(streams), concurrent):
        group = streams[start : start + concurrent]
        longest = max(len(s) for s in group)
        for position in range(longest):
            out.extend(s[position] for s in group if position < len(s))
    banner = "Asterisk Call Manager/9.0.0\r\n"
    return (banner + "".join(block + "\r\n\r\n" for block in out)).encode("utf-8"), len(out)
