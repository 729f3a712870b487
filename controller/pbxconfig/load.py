"""Read and validate a configuration file; every problem names its line, object and field."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from controller.dialplan.build import problems as unwritable_values
from controller.errors import ConfigFileError, ConfigIssue
from controller.pbxconfig.references import Problem, check_references
from controller.pbxconfig.schema import SECTION_KEYS, PbxConfig
from controller.pbxconfig.yamlsrc import Path_, SourceMap, load_yaml

MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ValidatedConfig:
    """A configuration that passed every check, with customer numbers in E.164 form."""

    config: PbxConfig


def _describe_object(path: Path_, data: Any) -> tuple[str | None, Path_]:
    """Name the object a path points into ("queue 'sales'") and return the rest of the path."""
    if not path:
        return None, path
    section = path[0]
    if section == "site":
        return "site", path[1:]
    if section in SECTION_KEYS and len(path) >= 2 and isinstance(path[1], int):
        key_field, what = SECTION_KEYS[str(section)]
        item = None
        if isinstance(data, Mapping):
            items = data.get(section)
            if isinstance(items, list) and path[1] < len(items):
                item = items[path[1]]
        key = item.get(key_field) if isinstance(item, Mapping) else None
        label = f"{what} {key!r}" if isinstance(key, str) else f"{what} #{path[1] + 1}"
        return label, path[2:]
    return None, path


def _field_text(path: Path_) -> str | None:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif str(part).isidentifier():
            text += f".{part}" if text else str(part)
        else:
            text += f"[{part!r}]"
    return text or None


def make_issue(path: Path_, message: str, source: SourceMap, data: Any) -> ConfigIssue:
    obj, rest = _describe_object(path, data)
    return ConfigIssue(message, source.line_of(path), obj, _field_text(rest))


def _model_at(path: Path_) -> type[BaseModel] | None:
    """The schema model that owns the field at ``path`` (to suggest a field name)."""
    model: Any = PbxConfig
    for part in path:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [annotation, *args, *(a for arg in args for a in getattr(arg, "__args__", ()))]
        model = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
    return model


def _pydantic_message(error: Mapping[str, Any], path: Path_) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        name = str(path[-1]) if path else "?"
        owner = _model_at(path[:-1])
        close = difflib.get_close_matches(name, list(owner.model_fields) if owner else [], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown field {name!r}{hint}"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    value = error.get("input")
    if kind not in {"value_error"} and isinstance(value, str | int | float | bool) and value != "":
        message += f" (got {value!r})"
    return message


def _clean_loc(loc: tuple[Any, ...]) -> Path_:
    # pydantic marks dict-key errors with a trailing "[key]".
    return tuple(part for part in loc if part != "[key]")


def parse_config(text: str, filename: str | None = None) -> ValidatedConfig:
    """Validate a whole configuration document; raise ConfigFileError listing every problem."""
    loaded, issues = load_yaml(text)
    if loaded is None or issues:
        raise ConfigFileError(issues, filename)
    data, source = loaded.data, loaded.source
    if not isinstance(data, Mapping):
        raise ConfigFileError([ConfigIssue("the file must be a mapping of sections", 1)], filename)

    try:
        config = PbxConfig.model_validate(data)
    except ValidationError as exc:
        found = []
        for error in exc.errors():
            path = _clean_loc(error["loc"])
            found.append(make_issue(path, _pydantic_message(error, path), source, data))
        raise ConfigFileError(found, filename) from None

    problems: list[Problem]
    problems, numbers = check_references(config, source.lines)
    if not problems:
        # A value Asterisk's configuration cannot hold faithfully is refused now, not at apply.
        problems = unwritable_values(config)
    if problems:
        raise ConfigFileError(
            [make_issue(p.path, p.message, source, data) for p in problems], filename
        )
    customers = [
        customer.model_copy(
            update={"numbers": [numbers[(i, j)] for j in range(len(customer.numbers))]}
        )
        for i, customer in enumerate(config.customers)
    ]
    return ValidatedConfig(config.model_copy(update={"customers": customers}))


def read_config_file(path: Path) -> ValidatedConfig:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ConfigFileError([ConfigIssue(f"file is too large ({size} bytes)")], str(path))
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigFileError(
            [ConfigIssue(f"file is not UTF-8 text (byte {exc.start})")], str(path)
        ) from None
    except OSError as exc:
        raise ConfigFileError(
            [ConfigIssue(f"cannot read file: {exc.strerror}")], str(path)
        ) from None
    return parse_config(text, str(path))
