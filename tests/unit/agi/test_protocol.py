"""The AGI wire format: headers, responses, and escaping checked against Asterisk's parsers."""

from __future__ import annotations

import pytest

from controller.agi.protocol import (
    MAX_COMMAND_BYTES,
    AgiProtocolError,
    arguments,
    array_assignments,
    parse_headers,
    parse_response,
    quote,
    set_variable,
)
from tests.unit.agi.asterisk_parsing import agi_parse_args, separate_args


def _apply(line: str) -> dict[str, str]:
    """What Asterisk sets for one SET VARIABLE line (ARRAY() or a plain variable)."""
    words = agi_parse_args(line)
    assert words[:2] == ["SET", "VARIABLE"], line
    assert len(words) == 4, words
    name, value = words[2], words[3]
    if name.startswith("ARRAY(") and name.endswith(")"):
        names = separate_args(name[len("ARRAY(") : -1])
        values = separate_args(value)
        return {n: (values[i] if i < len(values) else "") for i, n in enumerate(names)}
    return {name: value}


def test_headers_and_arguments() -> None:
    block = (
        b"agi_network: yes\nagi_network_script: inbound\nagi_request: agi://h/inbound\n"
        b"agi_callerid: 13800138000\nagi_rdnis:\nagi_arg_1: main\nagi_arg_2: +86755\n"
        b"agi_arg_4: skipped\n"
    )
    headers = parse_headers(block)
    assert headers["agi_network_script"] == "inbound"
    assert headers["agi_rdnis"] == ""
    assert arguments(headers) == ("main", "+86755")  # stops at the first missing index


def test_headers_keep_chinese_names_and_refuse_non_agi() -> None:
    headers = parse_headers("agi_request: x\nagi_calleridname: 赵明\n".encode())
    assert headers["agi_calleridname"] == "赵明"
    with pytest.raises(AgiProtocolError):
        parse_headers(b"GET / HTTP/1.1\nHost: x\n")


@pytest.mark.parametrize(
    ("line", "code", "result", "data"),
    [
        ("200 result=1", 200, "1", ""),
        ("200 result=0 (timeout)", 200, "0", "timeout"),
        ("200 result= (timeout)", 200, "", "timeout"),
        ("200 result=1 (赵明, 北京)", 200, "1", "赵明, 北京"),
        ("200 result=-1 endpos=0", 200, "-1", ""),
        ("510 Invalid or unknown command", 510, "", ""),
        ("511 Command Not Permitted on a dead channel or intercept routine", 511, "", ""),
    ],
)
def test_responses(line: str, code: int, result: str, data: str) -> None:
    response = parse_response(line)
    assert (response.code, response.result, response.data) == (code, result, data)
    assert response.ok == (code == 200 and not result.startswith("-"))


@pytest.mark.parametrize("line", ["HANGUP", "", "hello", "20"])
def test_non_responses_are_refused(line: str) -> None:
    with pytest.raises(AgiProtocolError):
        parse_response(line)


NASTY = [
    "plain",
    "",
    '赵明 (VIP), "大客户"',
    "back\\slash, comma; semi",
    "paren (unbalanced",
    "bracket ] [ x",
    "ends with backslash \\",
    'quote " alone',
    "${EVIL} $[1+1] ;comment",
    "tab\tand\nnewline",
]


@pytest.mark.parametrize("value", NASTY)
def test_single_variable_round_trips_through_agi_parsing(value: str) -> None:
    expected = value.replace("\n", "").replace("\t", "")  # control characters are dropped
    assert _apply(set_variable("__PBX_CUSTOMER_NAME", value)) == {"__PBX_CUSTOMER_NAME": expected}
    assert agi_parse_args(f"X {quote(value)}")[1] == expected


def test_many_variables_in_one_array_command_round_trip() -> None:
    pairs = [(f"V{i}", value) for i, value in enumerate(NASTY)] + [("PBX_AGI_OK", "1")]
    lines = list(array_assignments(pairs))
    assert len(lines) == 1
    got = _apply(lines[0])
    assert list(got) == [name for name, _ in pairs]  # order kept: PBX_AGI_OK last
    for name, value in pairs:
        assert got[name] == value.replace("\n", "").replace("\t", "")


def test_function_names_stay_whole_inside_array() -> None:
    line = next(array_assignments([("CHANNEL(language)", "en"), ("__PBX_VIP", "1")]))
    assert _apply(line) == {"CHANNEL(language)": "en", "__PBX_VIP": "1"}


def test_long_values_are_split_over_commands_in_order() -> None:
    pairs = [(f"V{i}", "名" * 300) for i in range(12)] + [("PBX_AGI_OK", "1")]
    lines = list(array_assignments(pairs))
    assert len(lines) > 1
    assert all(len(line.encode()) <= MAX_COMMAND_BYTES for line in lines)
    merged: dict[str, str] = {}
    for line in lines:
        merged.update(_apply(line))
    assert list(merged) == [name for name, _ in pairs]
    assert "PBX_AGI_OK" in _apply(lines[-1])


def test_many_small_variables_respect_array_limit() -> None:
    pairs = [(f"V{i}", "x") for i in range(200)]
    lines = list(array_assignments(pairs))
    assert len(lines) >= 3
    assert sum(len(_apply(line)) for line in lines) == 200


@pytest.mark.parametrize("name", ["", "1ABC", "A B", "A,B", "A)", "ARRAY(A", 'X"'])
def test_bad_variable_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not allowed"):
        set_variable(name, "x")
