"""Hostile configuration files are refused quickly, with a message, in bounded memory.

Issue 12 §4 c: a few hundred bytes of aliases grew past 6 GB, a self-referencing alias ended
in a traceback, a 49 MiB file took 3.2 GB and 45 s only to report that ``site`` is missing.
Bounds are asserted in bytes and counts, never in seconds.
"""

from __future__ import annotations

import itertools
import os
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from controller.errors import ConfigFileError, ConfigIssue
from controller.pbxconfig import load as load_module
from controller.pbxconfig.load import MAX_FILE_BYTES, parse_config, read_config_file
from controller.pbxconfig.yamlsrc import ALIAS_ALLOWANCE, MAX_DEPTH, load_yaml


def _peak_bytes(work: Callable[[], Any]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _alias_bomb(levels: int) -> str:
    """The "billion laughs" shape: each level lists the one before nine times."""
    names = [chr(ord("a") + i) for i in range(levels)]
    lines = ["format: 1", f"{names[0]}: &{names[0]} [{', '.join(['lol'] * 9)}]"]
    for before, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [{', '.join([f'*{before}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_at_the_alias_in_bounded_memory() -> None:
    # Six levels expand to 9**6 = 531,441 strings (the loader before the fix built them all:
    # ~90 MiB); a real bomb has nine or more levels, refused at the same alias.
    text = _alias_bomb(6)
    (loaded, issues), peak = _peak_bytes(lambda: load_yaml(text))
    assert loaded is None
    assert len(issues) == 1
    assert issues[0].line == 6  # the first alias of level e crosses the bound
    assert issues[0].message.startswith("alias *d: aliases expand to ")
    assert "an alias bomb?" in issues[0].message
    assert peak < 1024 * 1024, f"peak {peak} bytes for a {len(text)}-byte file"


def test_aliases_within_the_files_own_size_are_kept_as_shared_values() -> None:
    # The normal use: one anchored list reused by many objects.
    uses = ALIAS_ALLOWANCE  # each use adds 3 values, written 5: always within the bound
    text = "c: &c [alaw, ulaw]\ne:\n" + "".join(
        f"  - {{n: '{i}', codecs: *c}}\n" for i in range(uses)
    )
    loaded, issues = load_yaml(text)
    assert issues == []
    assert loaded is not None
    items = loaded.data["e"]
    assert len(items) == uses
    assert items[-1]["codecs"] == ["alaw", "ulaw"]
    assert items[-1]["codecs"] is loaded.data["c"]  # a reference, never a copy
    # a problem inside an aliased value points at the alias
    assert loaded.source.line_of(("e", 7, "codecs", 1)) == 10


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("format: 1\nsite: &s\n  name: x\n  self: *s\n", 4),
        ("a: &a [1, [2, *a]]\n", 1),
        ("a: &a\n  b:\n    - c: *a\n", 3),
    ],
)
def test_self_referencing_alias_is_refused_with_a_message(text: str, line: int) -> None:
    loaded, issues = load_yaml(text)  # before the fix: RecursionError
    assert loaded is None
    assert [(i.line, i.message) for i in issues] == [
        (line, f"alias *{text.split('&')[1][0]} refers to a block that contains it")
    ]


def test_self_reference_is_a_config_error_naming_the_file_and_line() -> None:
    with pytest.raises(ConfigFileError) as caught:
        parse_config("format: 1\nsite: &s\n  name: x\n  self: *s\n", "f.yaml")
    assert str(caught.value) == (
        "1 problem in f.yaml:\n  f.yaml:4: alias *s refers to a block that contains it"
    )


def test_undefined_alias_deep_nesting_and_second_document_are_refused() -> None:
    assert load_yaml("a: *nope\n")[1] == [
        ConfigIssue("alias *nope has no anchor &nope before it", 1)
    ]
    deep = "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n"
    assert load_yaml(deep)[1] == [ConfigIssue(f"the data nests deeper than {MAX_DEPTH} levels", 1)]
    assert load_yaml("a: 1\n---\nb: 2\n")[1] == [
        ConfigIssue("the file holds a second YAML document; only one is read", 2)
    ]


def test_refused_keys_drop_their_values_and_are_reported_once() -> None:
    loaded, issues = load_yaml("? [a]\n: {b: 1, b: 2}\n&k k: v\n*k : w\nz: '1'\n")
    assert loaded is not None
    assert loaded.data == {"k": "v", "z": "1"}
    assert [(i.line, i.message) for i in issues] == [
        (1, "a key must be a plain name"),
        (4, "a key must be a plain name, not an alias"),
    ]


def test_the_size_cap_is_a_few_tens_of_mib_at_most() -> None:
    # The 49 MiB file of the attack must never be read (the cap used to be 50 MiB).
    assert MAX_FILE_BYTES <= 32 * 1024 * 1024


def test_oversized_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:  # sparse: no disk space, and nothing to read
        fh.truncate(49 * 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(ConfigFileError) as caught:
            read_config_file(big)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024
    (issue,) = caught.value.issues
    assert issue.message.startswith("file is too large (51,380,224 bytes; ")
    assert str(caught.value).startswith(f"1 problem in {big}:\n  {big}: file is too large")


def test_file_at_the_cap_is_read_and_one_byte_more_is_not(tmp_path: Path) -> None:
    exact = tmp_path / "exact.yaml"
    exact.write_bytes(b"#" * MAX_FILE_BYTES)  # a comment: an empty document
    with pytest.raises(ConfigFileError) as caught:
        read_config_file(exact)
    assert caught.value.issues[0].message == "required field is missing"
    with exact.open("ab") as fh:
        fh.write(b"#")
    with pytest.raises(ConfigFileError) as caught:
        read_config_file(exact)
    assert caught.value.issues[0].message.startswith("file is too large")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "company.yaml"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def read() -> None:
        try:
            read_config_file(fifo)
            outcome.append(None)
        except BaseException as exc:  # handed to the test's thread
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # blocked in open(): release it so the test ends, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=10)
        pytest.fail("reading a FIFO waited for a writer")
    assert isinstance(outcome[0], ConfigFileError)
    assert outcome[0].issues == [ConfigIssue("not a regular file")]


def test_missing_site_is_reported_before_validating_every_object(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    validated: list[object] = []
    original = load_module.PbxConfig.model_validate

    def counting(data: object, *args: object, **kwargs: object) -> object:
        validated.append(data)
        return original(data, *args, **kwargs)

    monkeypatch.setattr(load_module.PbxConfig, "model_validate", counting)
    extensions = "".join(f"  - number: '{1000 + i}'\n    name: U{i}\n" for i in range(5000))
    with pytest.raises(ConfigFileError) as caught:
        parse_config(f"format: 1\nextensions:\n{extensions}", "f.yaml")
    assert [i.render("f.yaml") for i in caught.value.issues] == [
        "f.yaml:1: site: required field is missing"
    ]
    assert validated == []  # the 5,000 extensions were never validated
