"""The AMI encoding layer against hostile values, checked with ports of Asterisk's own parsers
(tests/unit/ami/asterisk_parsers.py): a value is either refused with an error naming the field,
or Asterisk reads back exactly what was meant, one header, one variable."""

from __future__ import annotations

import pytest

from controller.ami import encode
from controller.ami.encode import AmiValueError
from controller.ami.protocol import format_action
from tests.unit.ami.asterisk_parsers import (
    callerid_parse,
    header_value,
    manager_headers,
    manager_variables,
    separate_args,
)

# Values no argument parser may see: each would split, unquote, nest or cut the value.
ARGUMENT_BREAKERS = [
    "8001,__X=1",
    "a,b",
    "x\r\nAction: Hangup\r\nChannel: /.*/",
    "x\nAction: Command",
    "x\rEvents: off",
    "x\x00tail",
    '"quoted"',
    "back\\slash",
    "paren(1)",
    "$[1+1]",
    "张伟,李娜",
    "tab\there",
    "x" * 256,
    "中" * 400,
]
# Values an argument parser leaves alone: they must arrive exactly.
ARGUMENT_KEEPERS = ["8001", "", "张伟", "\u202eevil", "a=b", "x" * 255, "a;b|c&d", "$x {y}"]
# Values for a plain header: only line breaks, NUL and length matter there.
HEADER_BREAKERS = ["x\r\nAction: Hangup", "x\nAction: Command", "x\rEvents: off", "x\x00tail",
                   "x" * 1100, "中" * 400]  # fmt: skip
HEADER_KEEPERS = ["a,b", '"quoted"', "back\\slash", "(x)[y]", "张伟", "tab\there", "x" * 1000]


def _refused(call: object, field: str) -> AmiValueError:
    assert callable(call)
    with pytest.raises(AmiValueError) as caught:
        call()
    assert caught.value.field == field
    assert field in str(caught.value)
    return caught.value


@pytest.mark.parametrize("value", ARGUMENT_KEEPERS)
def test_a_variable_sets_one_variable_with_the_exact_value(value: str) -> None:
    wire = format_action("Originate", {"Variable": [encode.variable("__PBX_AGENT", value)]})
    (message,) = manager_headers(wire)
    assert manager_variables(header_value(message, "Variable")) == {"__PBX_AGENT": value}


@pytest.mark.parametrize("value", ARGUMENT_BREAKERS)
def test_a_variable_asterisk_would_read_differently_is_refused(value: str) -> None:
    _refused(lambda: encode.variable("__PBX_AGENT", value), "Variable __PBX_AGENT")


def test_the_reported_injection_is_what_asterisk_would_have_done() -> None:
    """Without the encoder the agent field set a second, inherited variable."""
    raw = format_action("Originate", {"Variable": ["__PBX_AGENT=8001,__X=1"]})
    (message,) = manager_headers(raw)
    assert manager_variables(header_value(message, "Variable")) == {
        "__PBX_AGENT": "8001",
        "__X": "1",
    }
    error = _refused(lambda: encode.variable("__PBX_AGENT", "8001,__X=1"), "Variable __PBX_AGENT")
    assert "','" in error.reason


@pytest.mark.parametrize("value", ARGUMENT_KEEPERS)
def test_app_data_arguments_stay_one_argument_each(value: str) -> None:
    assert separate_args(encode.app_data("Data", value, "qE")) == [value, "qE"]


@pytest.mark.parametrize("value", ARGUMENT_BREAKERS)
def test_app_data_arguments_the_parser_would_change_are_refused(value: str) -> None:
    _refused(lambda: encode.app_data("Data", "PJSIP/1001-1", value), "Data")


@pytest.mark.parametrize(
    "name",
    ["Zhang, San", 'say "hi"', "a\\b", "<1234>", "张伟", "a<b>c", "trailing\\", "", "  pad  "],
)
def test_caller_id_names_arrive_as_written(name: str) -> None:
    text = encode.caller_id("CallerID", name, "13800138000")
    (message,) = manager_headers(format_action("Originate", {"CallerID": text}))
    (sent,) = header_value(message, "CallerID")
    assert callerid_parse(sent) == (name, "13800138000")


@pytest.mark.parametrize("name", ["x\r\nAction: Hangup", "nul\x00", "bell\x07"])
def test_caller_id_names_with_control_characters_are_refused(name: str) -> None:
    _refused(lambda: encode.caller_id("CallerID", name, "1001"), "CallerID")


@pytest.mark.parametrize("number", ["1001>", "<1", '1"', "1 2", "1,2", "x" * 41])
def test_caller_id_numbers_that_would_move_the_split_are_refused(number: str) -> None:
    _refused(lambda: encode.caller_id("CallerID", "name", number), "CallerID")


def test_a_caller_id_too_long_for_asterisk_is_refused() -> None:
    _refused(lambda: encode.caller_id("CallerID", "中" * 90, "1001"), "CallerID")


@pytest.mark.parametrize(
    ("encoder", "good", "bad"),
    [
        (encode.name, ["sales", "pbx-queue-sales", "Break_1.2"],
         ["a|b", "a,b", "", "-x", "a b", "中文", "x" * 80, "a\nb"]),
        (encode.exten, ["13800138000", "*45", "+8613800138000", "s", "held"],
         ["1,2", "1 2", "", "1\r\n", "_X.", "a|b"]),
        (encode.device, ["PJSIP/1001", "Local/8001@pbx-agent/n", "SIP/trunk-1"],
         ["PJSIP/1001&PJSIP/1002", "PJSIP/1001,tT", "Console/x", "PJSIP/", "PJSIP/1 2"]),
        (encode.channel, ["PJSIP/1001-00000001", "Local/8001@pbx-agent-00000002;1",
                          "1795468000.12", "pbx-c2c-0123456789abcdef0123"],
         ["/.*/", "/PJSIP/", "a b", "", "x\r\n", "张", "x" * 151]),
    ],
)  # fmt: skip
def test_typed_fields_accept_their_type_and_refuse_the_rest(
    encoder: object, good: list[str], bad: list[str]
) -> None:
    assert callable(encoder)
    for value in good:
        assert encoder("Field", value) == value
    for value in bad:
        _refused(lambda value=value: encoder("Field", value), "Field")


def test_the_writer_refuses_text_that_is_not_utf8() -> None:
    _refused(lambda: format_action("Setvar", {"Value": "\ud800"}), "Value")


def test_the_writer_refuses_a_header_name_it_cannot_write() -> None:
    _refused(lambda: format_action("Setvar", {"Value\r\nX": "1"}), "Value\r\nX")
    _refused(lambda: format_action("Set\nvar", {}), "Action")


def test_the_writer_refuses_more_headers_than_asterisk_reads() -> None:
    most = [f"V{i}=1" for i in range(encode.MAX_HEADERS - 1)]  # with the Action line: all
    assert len(manager_headers(format_action("Originate", {"Variable": most}))[0]) == 128
    _refused(lambda: format_action("Originate", {"Variable": [*most, "X=1"]}), "Originate")


def test_a_line_of_exactly_the_limit_arrives_whole() -> None:
    value = "x" * (encode.MAX_LINE_BYTES - len("Value: "))
    wire = format_action("Setvar", {"Value": value})
    (message,) = manager_headers(wire)
    assert header_value(message, "Value") == [value]
    _refused(lambda: format_action("Setvar", {"Value": value + "x"}), "Value")


@pytest.mark.parametrize("value", HEADER_KEEPERS)
def test_the_writer_sends_any_other_value_as_one_header(value: str) -> None:
    wire = format_action("Setvar", {"Channel": "PJSIP/1001-1", "Value": value})
    (message,) = manager_headers(wire)
    assert message == ["Action: Setvar", "Channel: PJSIP/1001-1", f"Value: {value}"]


@pytest.mark.parametrize("value", HEADER_BREAKERS)
def test_the_writer_refuses_what_would_not_arrive_as_one_whole_header(value: str) -> None:
    _refused(lambda: format_action("Setvar", {"Channel": "PJSIP/1001-1", "Value": value}), "Value")


def test_without_the_writer_check_a_line_break_injects_an_action() -> None:
    """What the writer prevents: the bytes a line break would have put on the wire."""
    raw = b"Action: Setvar\r\nValue: x\r\n\r\nAction: Hangup\r\nChannel: /.*/\r\n\r\n"
    assert [m[0] for m in manager_headers(raw)] == ["Action: Setvar", "Action: Hangup"]
