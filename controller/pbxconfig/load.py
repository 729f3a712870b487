"""Read and validate a configuration file; every problem names its line, object and field."""

from __future__ import annotations

import difflib
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from controller.dialplan.build import problems as unwritable_values
from controller.errors import ConfigFileError, ConfigIssue, Message
from controller.pbxconfig.collector import collector_paused
from controller.pbxconfig.references import Problem, check_references
from controller.pbxconfig.schema import SECTION_KEYS, PbxConfig
from controller.pbxconfig.yamlsrc import Path_, SourceMap, load_yaml

# The largest site we benchmark (10,000 extensions, 2,000 agents, 500 queues and menus) is
# 0.7 MiB of YAML; 16 MiB leaves room for a large customer list. Reading and validating a
# file costs time and memory in proportion to its size (about 0.3 s and 12 MiB per MiB to
# read it, several times that to validate it), so the cap is what bounds both.
MAX_FILE_BYTES = 16 * 1024 * 1024


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


# pydantic's own messages, by error type, as templates of the values in its context.
_PYDANTIC = {
    "greater_than_equal": "Input should be greater than or equal to {ge}",
    "less_than_equal": "Input should be less than or equal to {le}",
    "greater_than": "Input should be greater than {gt}",
    "less_than": "Input should be less than {lt}",
    "int_parsing": "Input should be a valid integer, unable to parse string as an integer",
    "int_from_float": "Input should be a valid integer, got a number with a fractional part",
    "int_type": "Input should be a valid integer",
    "bool_parsing": "Input should be a valid boolean, unable to interpret input",
    "bool_type": "Input should be a valid boolean",
    "string_type": "Input should be a valid string",
    "list_type": "Input should be a valid list",
    "dict_type": "Input should be a valid dictionary",
    "model_type": "Input should be a valid dictionary or instance of {class_name}",
    "model_attributes_type": "Input should be a valid dictionary or object to extract fields from",
    "enum": "Input should be {expected}",
    "string_too_long": "String should have at most {max_length} characters",
    "string_pattern_mismatch": "String should match pattern '{pattern}'",
}
_SIZED = {
    "too_short": "{what} should have at least {min_length} {items} after validation, not {actual}",
    "too_long": "{what} should have at most {max_length} {items} after validation, not {actual}",
}


def _pydantic_template(error: Mapping[str, Any]) -> str:
    """pydantic's message for ``error``, as a Message when we know its template."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "value_error":
        raised = ctx.get("error")
        found = raised.args[0] if isinstance(raised, ValueError) and raised.args else None
        if isinstance(found, str):
            return found  # a Message when the validator made one
        return str(error["msg"]).removeprefix("Value error, ")
    template = _PYDANTIC.get(kind)
    if kind in _SIZED:
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        ctx = {**ctx, "what": Message(str(error["msg"]).split(" ", 1)[0]),
               "items": Message("item" if limit == 1 else "items"),
               "actual": ctx.get("actual_length")}  # fmt: skip
        template = _SIZED[kind]
    if template is not None:
        try:
            found = Message(template, **{k: v for k, v in ctx.items() if f"{{{k}}}" in template})
        except (KeyError, IndexError):
            found = None
        if found is not None and str(found) == error["msg"]:
            return found
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


def _pydantic_message(error: Mapping[str, Any], path: Path_) -> str:
    kind = error["type"]
    if kind == "missing":
        return Message("required field is missing")
    if kind == "extra_forbidden":
        name = str(path[-1]) if path else "?"
        owner = _model_at(path[:-1])
        close = difflib.get_close_matches(name, list(owner.model_fields) if owner else [], n=1)
        if close:
            return Message("unknown field {name}; did you mean {close}?", name=repr(name),
                           close=repr(close[0]))  # fmt: skip
        return Message("unknown field {name}", name=repr(name))
    message = _pydantic_template(error)
    value = error.get("input")
    if kind not in {"value_error"} and isinstance(value, str | int | float | bool) and value != "":
        message = Message("{message} (got {value})", message=message, value=repr(value))
    return message


def _clean_loc(loc: tuple[Any, ...]) -> Path_:
    # pydantic marks dict-key errors with a trailing "[key]".
    return tuple(part for part in loc if part != "[key]")


def _missing_sections(data: Mapping[str, Any], source: SourceMap) -> list[ConfigIssue]:
    """The required top-level keys ``data`` lacks.

    Checked before the schema validates every object: a file of a million extensions without
    ``site`` is refused at once instead of after validating them all.
    """
    return [
        make_issue((name,), Message("required field is missing"), source, data)
        for name, spec in PbxConfig.model_fields.items()
        if spec.is_required() and name not in data
    ]


def parse_config(text: str, filename: str | None = None) -> ValidatedConfig:
    """Validate a whole configuration document; raise ConfigFileError listing every problem."""
    with collector_paused():
        return _parse_config(text, filename)


def _parse_config(text: str, filename: str | None) -> ValidatedConfig:
    loaded, issues = load_yaml(text)
    if loaded is None or issues:
        raise ConfigFileError(issues, filename)
    return validate_document(loaded.data, loaded.source, filename)


def validate_document(
    data: Any, source: SourceMap | None = None, filename: str | None = None
) -> ValidatedConfig:
    """Validate a configuration document already read (a file's YAML, or a page's edit of
    the stored configuration): the same checks and messages, whatever the document came
    from; raise ConfigFileError listing every problem."""
    source = source or SourceMap()
    if not isinstance(data, Mapping):
        raise ConfigFileError([ConfigIssue("the file must be a mapping of sections", 1)], filename)
    missing = _missing_sections(data, source)
    if missing:
        raise ConfigFileError(missing, filename)

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


def _too_large(size: int) -> ConfigIssue:
    return ConfigIssue(
        f"file is too large ({size:,} bytes; a configuration file may have at most "
        f"{MAX_FILE_BYTES:,} bytes, {MAX_FILE_BYTES // 2**20} MiB)"
    )


def read_text_file(path: Path) -> str:
    """The UTF-8 text of a regular file of at most MAX_FILE_BYTES; ConfigFileError otherwise.

    The size is checked before reading and again while reading (the file may grow, and
    ``stat`` says 0 for a device such as /dev/zero), so nothing larger is ever held in memory.
    """
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer before it can be refused.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise ConfigFileError([ConfigIssue("not a regular file")], str(path))
            if info.st_size > MAX_FILE_BYTES:
                raise ConfigFileError([_too_large(info.st_size)], str(path))
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ConfigFileError([_too_large(len(raw))], str(path))
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigFileError(
            [ConfigIssue(f"file is not UTF-8 text (byte {exc.start})")], str(path)
        ) from None
    except OSError as exc:
        raise ConfigFileError(
            [ConfigIssue(f"cannot read file: {exc.strerror}")], str(path)
        ) from None


def read_config_file(path: Path) -> ValidatedConfig:
    """Read and validate a configuration file: what every command that takes one uses."""
    return parse_config(read_text_file(path), str(path))
