"""The YAML loader keeps strings as written and knows the line of every value."""

from __future__ import annotations

from controller.pbxconfig.yamlsrc import load_yaml


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
