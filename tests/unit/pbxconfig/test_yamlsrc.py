"""The YAML loader keeps strings as written and knows the line of every value."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from controller.pbxconfig.yamlsrc import _Builder, _Refused, load_yaml
from tests.conftest import EXAMPLE


def test_scalars_stay_exact_strings() -> None:
    loaded, issues = load_yaml("a: 0755\nb: 09:00\nc: NO\nd: 1e3\ne: ~\nf:\ng: 'null'\nh: yes\n")
    assert issues == []
    assert loaded is not None
    assert loaded.data == {
        "a": "0755",
        "b": "09:00",
        "c": "NO",
        "d": "1e3",
        "e": None,
        "f": None,
        "g": "null",  # quoted: a string, not None
        "h": "yes",
    }


def test_lines_of_keys_and_list_items() -> None:
    text = "queues:\n  - name: a\n    members:\n      - agent: '1'\n      - agent: '2'\n"
    loaded, _ = load_yaml(text)
    assert loaded is not None
    lines = loaded.source
    assert lines.line_of(("queues", 0, "name")) == 2
    assert lines.line_of(("queues", 0, "members", 1, "agent")) == 5
    # an unknown deeper path falls back to its nearest known ancestor
    assert lines.line_of(("queues", 0, "members", 1, "agent", "x")) == 5


def test_duplicate_key_is_an_error_with_both_lines() -> None:
    _loaded, issues = load_yaml("site:\n  name: a\n  name: b\n")
    assert [(i.line, i.message) for i in issues] == [
        (3, "key 'name' appears twice in the same block (first on line 2)")
    ]


def test_syntax_error_has_a_line() -> None:
    loaded, issues = load_yaml("site:\n  name: [a\nqueues: []\n")
    assert loaded is None
    assert issues[0].line == 3
    assert issues[0].message.startswith("not valid YAML")


def test_nul_character_is_refused() -> None:
    loaded, issues = load_yaml("a: b\nc: d\x00\n")
    assert loaded is None
    assert issues[0].line == 2


def test_merge_keys_are_refused() -> None:
    _, issues = load_yaml("base: &b {x: '1'}\nq:\n  <<: *b\n")
    assert issues[0].message == "merge keys (<<) are not supported"
    assert issues[0].line == 3


def test_empty_document_is_an_empty_mapping() -> None:
    loaded, issues = load_yaml("")
    assert loaded is not None
    assert (loaded.data, issues) == ({}, [])


# Documents that take every branch of the loader's loop: keys, values and blocks kept or
# dropped, anchors and aliases on scalars and blocks, nulls, refused and repeated keys.
TRICKY = [
    "queues:\n  - name: a\n    members:\n      - agent: '1'\n      - {agent: '2', penalty: 1}\n",
    "a: 0755\nb: ~\nc:\nd: 'null'\ne: [x, ~, '', \"\"]\nf: {}\ng: []\n",
    "base: &b {x: '1'}\nq:\n  <<: *b\n  y: [*b, &s str, *s]\n",
    "? [a]\n: {b: 1, b: 2}\n&k k: v\n*k : w\nz: '1'\n",
    "a: 1\na: [1, {x: 2}]\nb: {c: {d: [e, f]}, c: 3}\n",
    "- a\n- [b, [c, {d: e}]]\n- &l {f: g}\n- *l\n",
    "top: &t\n  - &u [1, 2]\n  - *u\nnext: *t\n",
    "? {a: 1}\n: x\n? [b]\n: [y]\nkept: z\n",
    "plain\n",
    "",
    "a: &a [1, [2, *a]]\n",
    "a: b\n---\nc: d\n",
    "a: [1, 2\n",
]


def _through_feed(text: str) -> Any:
    builder = _Builder()
    parser = yaml.CSafeLoader(text)
    try:
        while (event := parser.get_event()) is not None:
            builder.feed(event)
    except (_Refused, yaml.YAMLError) as exc:
        return type(exc).__name__, str(exc)
    finally:
        parser.dispose()
    return builder.root, builder.source.lines, builder.issues


def _through_run(text: str) -> Any:
    builder = _Builder()
    parser = yaml.CSafeLoader(text)
    try:
        builder.run(parser.get_event)
    except (_Refused, yaml.YAMLError) as exc:
        return type(exc).__name__, str(exc)
    finally:
        parser.dispose()
    return builder.root, builder.source.lines, builder.issues


@pytest.mark.parametrize("text", [*TRICKY, EXAMPLE.read_text(encoding="utf-8")])
def test_the_loop_reads_as_the_event_handlers_do(text: str) -> None:
    assert _through_run(text) == _through_feed(text)
