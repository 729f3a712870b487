"""The fast YAML writer writes exactly the bytes PyYAML's emitter writes."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from controller.pbxconfig.dump import dump_config, pyyaml_text, yaml_text
from controller.pbxconfig.load import parse_config
from tests.conftest import EXAMPLE

# Text that exercises every decision of the emitter: indicators first, inside and last,
# spaces and breaks at the ends, quotes, Chinese, characters only double quotes can hold,
# words the resolver reads as numbers, booleans, nulls, dates and times.
# fmt: off
_TRICKY = [
    "", " ", "a b", " lead", "trail ", "x: y", "x:y", "x:", "a #b", "a#b", "#c", "- a", "-a",
    "--- a", "...", "? a", "?a", ":a", "'", "''", '"', "it's", "a,b", "[a]", "{a}", "a}", "*a",
    "&a", "!a", "|a", ">a", "%a", "@a", "`a", "yes", "No", "on", "OFF", "true", "null", "~",
    "0755", "1e3", "0x1f", "1_000", "+1", "-1", ".5", "1:20", "09:00", "2026-10-01",
    "2026-10-01 09:00:00", ".inf", ".NaN", "=", "<<", "国庆节", "张 伟", "中:文", "a\tb",
    "a\nb", "a\n", "\n", "a\n\n", "\nb", "a \nb", "a\n b", "\x85", "\u2028x", "\ufeff", "\x7f", "\x00", "é",
    "\U0001f600", "queue:sales", "voicemail:20000", "custom/menu-1-zh", "+8613800138000",
    "x" * 122, "x" * 123, "x" * 128, "y " * 300, "z" * 1200, "长" * 600,
]
# fmt: on
_text = st.one_of(st.sampled_from(_TRICKY), st.text(max_size=20))
_scalar = st.one_of(_text, st.integers(-(10**6), 10**6), st.booleans(), st.none())
_key = st.one_of(st.sampled_from(["name", "number", "1", "*", "#", "zh", "en_US"]), _text)


def _values(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(_scalar, max_size=4),
        st.lists(children, max_size=3),
        st.dictionaries(_key, children, max_size=4),
    )


_value = st.recursive(_scalar, _values, max_leaves=30)
_document = st.dictionaries(_key, st.one_of(_value, st.lists(_value, max_size=4)), max_size=5)


@settings(max_examples=400, deadline=None)
@given(_document)
def test_same_bytes_as_pyyaml(data: dict[str, Any]) -> None:
    assert yaml_text(data) == pyyaml_text(data)


def test_every_tricky_text_as_value_key_and_list_item() -> None:
    for text in _TRICKY:
        data = {
            "section": [{"name": text, "items": [text, "a"], "map": {text: text}}],
            "value": text,
            text: [text, None, 1],
        }
        assert yaml_text(data) == pyyaml_text(data), repr(text)


def test_the_example_exports_the_same_bytes_both_ways() -> None:
    config = parse_config(EXAMPLE.read_text(encoding="utf-8")).config
    assert dump_config(config) == dump_config(config, text=pyyaml_text)
