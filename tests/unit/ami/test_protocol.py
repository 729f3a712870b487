"""The AMI wire format: every line shape Asterisk writes, repeated keys, split characters."""

from __future__ import annotations

from controller.ami.protocol import Message, Parser, format_action, parse_message


def test_line_shapes() -> None:
    message = parse_message(
        "Event: UserEvent\r\n"
        "Data: Queue: sales, Status: TIMEOUT\r\n"  # a value with ": " in it
        "Exten: \r\n"  # empty value
        "Context:\r\n"  # empty value, no space
        "Tight:value\r\n"  # no space after the colon
        "Two:  spaces\r\n"  # only the first space belongs to the separator
        "a raw output line"  # old-style command output without a key
    )
    assert message.pairs == [
        ("Event", "UserEvent"),
        ("Data", "Queue: sales, Status: TIMEOUT"),
        ("Exten", ""),
        ("Context", ""),
        ("Tight", "value"),
        ("Two", " spaces"),
        ("Output", "a raw output line"),
    ]
    assert message.kind == "Event"


def test_repeated_keys_keep_every_value_and_the_first_in_fields() -> None:
    message = parse_message(
        "Response: Success\r\nOutput: one\r\nMessage: m\r\nOutput: two\r\nOutput: three"
    )
    assert message.fields == {"Response": "Success", "Output": "one", "Message": "m"}
    assert list(message) == ["Response", "Output", "Message"]
    assert message.all("Output") == ["one", "two", "three"]
    assert message["Output"] == "one"


def test_a_character_split_between_reads_is_kept() -> None:
    data = "Asterisk Call Manager/9.0.0\r\nEvent: Newchannel\r\nCallerIDName: 张伟\r\n\r\n".encode()
    cut = data.index("张".encode()) + 1  # inside the first character
    parser = Parser()
    assert parser.feed(data[:cut]) == []
    (message,) = parser.feed(data[cut:])
    assert parser.banner == "Asterisk Call Manager/9.0.0"
    assert message.fields == {"Event": "Newchannel", "CallerIDName": "张伟"}


def test_actions_repeat_list_values() -> None:
    text = format_action("Originate", {"Variable": ["A=1", "B=2"], "Async": "true"})
    assert text == b"Action: Originate\r\nVariable: A=1\r\nVariable: B=2\r\nAsync: true\r\n\r\n"
    assert parse_message(text.decode().strip()).all("Variable") == ["A=1", "B=2"]
    assert isinstance(parse_message("Event: X"), Message)
