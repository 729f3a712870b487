"""A message read from the wire is split on first use: whatever is read first (the event
name, one header, the fields, the pairs), it gives what a message split at once gives."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from controller.ami.protocol import Message, Parser, parse_message

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ami"
SHAPES = [
    "Event: VarSet\r\nChannel: PJSIP/1-0\r\nVariable: __PBX_QUEUE\r\nValue: sales",
    "Event: UserEvent\r\nUserEvent: PbxQueueExit\r\nData: Queue: sales, Status: TIMEOUT",
    "Event: X\r\nExten: \r\nContext:\r\nTight:value\r\nTwo:  spaces\r\na raw output line",
    "Event: X\r\nVariable: A=1\r\nVariable: B=2\r\nVariable:C=3",  # repeated keys
    "Event: X\r\nKey:With: colon\r\nKey: second",  # a key with a colon, then the same key
    "Response: Success\r\nActionID: 7\r\nMessage: ok",
    "Response: Follows\r\nOutput: one\r\nOutput: two",
    "\r\nEvent: Leading\r\nA: 1",  # a block after three line ends in a row
    "Event: Only",
    "Event:NoSpace\r\nA: 1",
    "Variable: first line\r\nEvent: Late",
    "Event: ",
    "just text",
]


def _blocks() -> list[str]:
    blocks = list(SHAPES)
    for path in sorted(FIXTURES.glob("*.ami")):
        text = path.read_bytes().decode("utf-8")
        blocks += [b for b in text.split("\r\n\r\n") if b][:200]
    return blocks


def _keys(reference: Message) -> list[str]:
    return [*reference.fields, "Missing", "Event", "Variable", "ActionID", "Output"]


@pytest.mark.parametrize("first", ["event", "header", "fields", "pairs", "kind"])
def test_lazy_messages_read_the_same_whatever_is_read_first(first: str) -> None:
    for block in _blocks():
        reference = parse_message(block)
        keys = _keys(reference)
        lazy = Message.from_text(block)
        if first == "event":
            assert lazy.event == reference.fields.get("Event", ""), block
        elif first == "header":
            for key in keys:  # each on a message not split yet
                assert Message.from_text(block).header(key) == reference.fields.get(key), key
        elif first == "fields":
            assert lazy.fields == reference.fields, block
            assert list(lazy.fields) == list(reference.fields), block
        elif first == "pairs":
            assert lazy.pairs == reference.pairs, block
        else:
            assert lazy.kind == reference.kind, block
        # ... and everything read afterwards agrees too.
        assert lazy.event == reference.fields.get("Event", "")
        assert lazy.kind == reference.kind
        assert dict(lazy) == reference.fields
        assert lazy.pairs == reference.pairs
        for key in keys:
            assert lazy.header(key) == reference.fields.get(key), (block, key)
            assert lazy.all(key) == reference.all(key)


def test_the_parser_gives_lazy_messages_equal_to_split_ones() -> None:
    text = "\r\n\r\n".join(SHAPES) + "\r\n\r\n"
    data = ("Asterisk Call Manager/9.0.0\r\n" + text).encode()
    for cut in itertools.islice(range(1, len(data)), 0, None, 7):
        parser = Parser()
        messages = parser.feed(data[:cut]) + parser.feed(data[cut:])
        assert [m.pairs for m in messages] == [parse_message(b).pairs for b in SHAPES if b]
