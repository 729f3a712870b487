"""The escaping layer: each place accepts only what it can hold faithfully."""

from __future__ import annotations

import pytest

from controller.dialplan import confparse, escape
from controller.dialplan.escape import Safe, UnsafeValue


@pytest.mark.parametrize("value", ["sales", "after-hours", "1001", "a.b_c"])
def test_names(value: str) -> None:
    assert escape.name(value) == value
    assert isinstance(escape.name(value), Safe)


@pytest.mark.parametrize("value", ["", "-x", "a b", "a,b", "a;b", "x" * 80, "名字", "a]b", "${X}"])
def test_bad_names(value: str) -> None:
    with pytest.raises(UnsafeValue):
        escape.name(value)


def test_extensions_and_patterns() -> None:
    assert escape.exten("+8675586001234") == "+8675586001234"
    assert escape.pattern("1[3-9]XXXXXXXXX") == "_1[3-9]XXXXXXXXX"
    for bad in ("555-1234", "_1X", "12,1", "1 2"):
        with pytest.raises(UnsafeValue):
            escape.exten(bad)
    for bad in ("1[a-z]", "1X(", "${EXTEN}", "1.."):
        with pytest.raises(UnsafeValue):
            escape.pattern(bad)


@pytest.mark.parametrize(
    "value", ["a,b", "a(b", "a)b", '"', "\\", "a;b", "${EXTEN}", "$[1+1]", "a|b", "x\ny", " a", "`"]
)
def test_dialplan_arguments_refuse_structure(value: str) -> None:
    with pytest.raises(UnsafeValue):
        escape.arg(value)


def test_dialplan_argument_keeps_ordinary_text() -> None:
    assert escape.arg("custom/main-menu-zh") == "custom/main-menu-zh"
    assert escape.arg("张伟 Zhang") == "张伟 Zhang"


def test_config_values_escape_semicolons_and_read_back() -> None:
    value = "pa;ss#word [x] =>"
    written = escape.conf(value)
    assert written == "pa\\;ss#word [x] =>"
    parsed = confparse.parse(f"[s]\nkey={written}\n")
    assert parsed.sections[0].entries[0].value == value
    for bad in ("a\nb", "a\\b", "x\x00", " a", "a "):
        with pytest.raises(UnsafeValue):
            escape.conf(bad)


def test_callerid_name_and_voicemail_fields() -> None:
    assert escape.callerid_name("张伟; 销售") == "张伟\\; 销售"
    for bad in ('A "B"', "A <B>"):
        with pytest.raises(UnsafeValue):
            escape.callerid_name(bad)
    with pytest.raises(UnsafeValue, match="voicemail"):
        escape.voicemail_field("Zhao, Emily")


def test_confparse_block_comments_and_includes() -> None:
    text = "[a]\nx=1 ; comment\n;-- block\n[b]\n--;\ny=2\n#include other.conf\n[c](!)\nexten => 1,1,NoOp(;)\n"
    conf = confparse.parse(text)
    assert [s.name for s in conf.sections] == ["a", "c"]
    assert [(e.key, e.value) for e in conf.sections[0].entries] == [("x", "1"), ("y", "2")]
    assert conf.includes == [(7, "other.conf")]
    assert conf.sections[1].options == "!"
