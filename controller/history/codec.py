"""History records <-> JSON, for the write-ahead journal.

Fields are written by name, so a journal written by one version of the controller is read by
the next one after an upgrade restart: a field added since gets its default, a field removed
is ignored.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import MISSING, fields, is_dataclass
from itertools import chain
from typing import Any

from controller.ami.tracker import records as rec

Item = rec.FinishedCall | rec.AgentInterval | rec.RawEvent

_KINDS: dict[str, type[Any]] = {
    "call": rec.FinishedCall,
    "interval": rec.AgentInterval,
    "raw": rec.RawEvent,
}
_TAGS = {cls: tag for tag, cls in _KINDS.items()}
# Tuples of records inside a FinishedCall, by field name.
_NESTED: dict[str, type[Any]] = {
    "channels": rec.ChannelRecord,
    "legs": rec.LegRecord,
    "attempts": rec.AttemptRecord,
    "handlings": rec.HandlingRecord,
    "transfers": rec.TransferOut,
    "recordings": rec.RecordingRecord,
}


class JournalFormatError(ValueError):
    """A journal line that is not a record this version can read."""


def _plain(value: Any) -> Any:
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def encode(item: Item) -> dict[str, Any]:
    return {"kind": _TAGS[type(item)], "record": _plain(item)}


# Field names of each record class, for the JSON encoder's ``default``: it meets every record
# (nested ones too) and writes tuples as lists itself, so a line is built in C but for one
# dict per record. The same JSON as ``encode`` (tests/unit/history/test_codec.py).
_FIELD_NAMES: dict[type[Any], tuple[str, ...]] = {
    cls: tuple(f.name for f in fields(cls)) for cls in (*_KINDS.values(), *_NESTED.values())
}


def _record_fields(value: Any) -> dict[str, Any]:
    names = _FIELD_NAMES.get(type(value))
    if names is None:
        if not is_dataclass(value) or isinstance(value, type):
            raise TypeError(f"{type(value).__name__} is not a history record")
        names = _FIELD_NAMES[type(value)] = tuple(f.name for f in fields(value))
    return {name: getattr(value, name) for name in names}


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_record_fields)


def _build(cls: type[Any], data: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            if f.default is MISSING and f.default_factory is MISSING:
                raise JournalFormatError(f"{cls.__name__}: field {f.name!r} missing")
            continue
        value = data[f.name]
        nested = _NESTED.get(f.name)
        if nested is not None:
            value = tuple(_build(nested, v) for v in value)
        elif isinstance(value, list):
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        kwargs[f.name] = value
    return cls(**kwargs)


def decode(data: dict[str, Any]) -> Item:
    cls = _KINDS.get(data.get("kind", ""))
    record = data.get("record")
    if cls is None or not isinstance(record, dict):
        raise JournalFormatError(f"unknown journal record kind {data.get('kind')!r}")
    try:
        item: Item = _build(cls, record)
    except TypeError as err:
        raise JournalFormatError(str(err)) from err
    return item


# What the JSON encoder escapes in a string (ensure_ascii off): quote, backslash, controls.
_ESCAPED = re.compile(r'[\x00-\x1f"\\]')
_SEQUENCES = {tuple, list}
# The fast line below writes these fields, in this order (a field added to RawEvent turns
# it off rather than being left out).
_RAW_FAST = _FIELD_NAMES[rec.RawEvent] == (
    "server_id", "at", "event", "linkedid", "uniqueid", "fields"
)  # fmt: skip


def _raw_line(seq: int, raw: rec.RawEvent) -> str | None:
    """The line of a verbatim event, joined in C rather than walked by the encoder one
    string at a time (its ~20 name/value pairs are most of the history's journal); None
    when a string needs escaping or a value is not of the usual type (then the encoder
    writes the line). The same text either way: tests/unit/history/test_journal.py."""
    pairs, linkedid, uniqueid, at = raw.fields, raw.linkedid, raw.uniqueid, raw.at
    if not (_RAW_FAST and type(seq) is int and type(at) is float and math.isfinite(at)):
        return None
    try:
        if (not all(pairs) or not set(map(type, pairs)) <= _SEQUENCES
                or _ESCAPED.search("".join(chain(
                    (raw.server_id, raw.event, "" if linkedid is None else linkedid,
                     "" if uniqueid is None else uniqueid),
                    chain.from_iterable(pairs))))):  # fmt: skip
            return None
        fields = '[["' + '"],["'.join(map('","'.join, pairs)) + '"]]' if pairs else "[]"
    except TypeError:  # not strings
        return None
    linked = "null" if linkedid is None else f'"{linkedid}"'
    unique = "null" if uniqueid is None else f'"{uniqueid}"'
    return (
        f'[{seq},{{"kind":"raw","record":{{"server_id":"{raw.server_id}","at":{at!r},'
        f'"event":"{raw.event}","linkedid":{linked},"uniqueid":{unique},"fields":{fields}}}}}]'
    )


def dumps(seq: int, item: Item) -> bytes:
    text = _raw_line(seq, item) if type(item) is rec.RawEvent else None
    if text is None:
        text = _ENCODER.encode([seq, {"kind": _TAGS[type(item)], "record": item}])
    return (text + "\n").encode()


def loads(line: bytes) -> tuple[int, Item]:
    try:
        seq, data = json.loads(line)
    except (ValueError, TypeError) as err:
        raise JournalFormatError(f"not a journal line: {line[:80]!r}") from err
    if not isinstance(seq, int) or not isinstance(data, dict):
        raise JournalFormatError(f"not a journal line: {line[:80]!r}")
    return seq, decode(data)
