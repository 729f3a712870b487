"""``build.problems`` (what a configuration import refuses) finds exactly what a full build
finds: the same problems, in the same order, with the same messages, whether or not it can
leave the extensions' views out."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from controller.dialplan import model
from controller.dialplan.build import _Builder, problems
from controller.pbxconfig.references import Problem, check_references
from controller.pbxconfig.schema import PbxConfig
from tests.conftest import EXAMPLE

# Values each refused by at least one escape function, and one that every one accepts.
VALUES = ["a;b", "\\", '"quoted"', "x,y", "|pipe|", " padded ", "<angle>", "ctl\x01", "plain"]
# Passwords (12 characters or more): with a backslash (refused) and a semicolon (escaped).
VALUES += ["k7Qz\\w9Pm-x2Lr", "k7Qz;w9Pm-x2Lr"]


def _base() -> dict[str, Any]:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    # Every field the extensions' parts check, present at least once.
    data["extensions"][0]["phone"] = {"username": "alice", "password": "k7Qz-w9Pm-x2Lr"}
    data["extensions"][0]["language"] = "en"
    data["extensions"][1]["voicemail"] = {"pin": "4321", "email": "box@example.cn"}
    data["extensions"][2]["phone"] = None
    data["trunks"].append(
        {"name": "login", "auth": "credentials", "host": "sip.example.cn", "username": "u1",
         "password": "k7Qz-w9Pm-x2Lr", "from_user": "u1", "from_domain": "example.cn"}
    )  # fmt: skip
    return data


BASE = _base()


def _string_paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _string_paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _string_paths(value, (*path, index))
    elif isinstance(node, str):
        yield path


def _one_per_field(paths: Iterator[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """One path per field of each kind of object (its first occurrence)."""
    seen: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for path in paths:
        seen.setdefault(tuple("#" if isinstance(p, int) else p for p in path), path)
    return list(seen.values())


def _full_build_problems(config: PbxConfig) -> list[Problem]:
    builder = _Builder(config, model.Options(), require_secrets=False)
    builder.build()
    return [p for p in builder.problems if p.path[0] != "settings"]


def _configs() -> Iterator[tuple[tuple[Any, ...], str, PbxConfig]]:
    """The base with one string replaced, for every string and value the schema and the
    references accept."""
    for path in _one_per_field(_string_paths(BASE)):
        for value in VALUES:
            data = copy.deepcopy(BASE)
            node = data
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = value
            try:
                config = PbxConfig.model_validate(data)
            except ValidationError:
                continue
            if not check_references(config)[0]:  # what the import checks first
                yield path, value, config


def test_problems_are_those_of_a_full_build() -> None:
    found_in_extensions = found_elsewhere = clean = 0
    for path, value, config in _configs():
        expected = _full_build_problems(config)
        assert problems(config) == expected, (path, value)
        if not expected:
            clean += 1
        elif any(p.path[0] == "extensions" for p in expected):
            found_in_extensions += 1
        else:
            found_elsewhere += 1
    # Both ways were taken: problems in the extensions' fields (the full build) and
    # elsewhere (the build without the extensions), and files without any problem.
    assert found_in_extensions >= 5  # names, passwords, e-mail addresses
    assert found_elsewhere >= 1  # a trunk's password
    assert clean >= 100


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (("phone", "password"), "k7Qz\\w9Pm-x2Lr"),
        (("name",), 'Say "hi"'),
        (("voicemail", "email"), "a\x01b@example.cn"),
    ],
)
def test_a_refused_extension_value_is_reported_once_per_place(
    field: tuple[str, ...], value: str
) -> None:
    data = copy.deepcopy(BASE)
    extension = data["extensions"][1]
    extension["phone"] = {"password": "k7Qz-w9Pm-x2Lr"}
    node = extension
    for part in field[:-1]:
        node = node[part]
    node[field[-1]] = value
    config = PbxConfig.model_validate(data)
    found = problems(config)
    assert found, field
    assert found == _full_build_problems(config)
    assert all(p.path[:2] == ("extensions", 1) for p in found)
