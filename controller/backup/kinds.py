"""Column kinds: how a column's values are written to a backup and read back, exactly.

A backup names each column's kind in its manifest, so a restore knows how to read a value
without the models of the program that wrote it (which may be older than this one), and
binds it with a portable SQLAlchemy type, so it lands the same way on SQLite, PostgreSQL and
MariaDB. Values are JSON values: integers of any size stay integers, decimals and points in
time are strings that keep every digit and microsecond.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy import types as sqltypes
from sqlalchemy.types import TypeDecorator, TypeEngine

from controller.db.types import UtcDateTime


class Kind(StrEnum):
    INT = "int"
    TEXT = "text"  # strings, including the values of enum columns
    BOOL = "bool"
    FLOAT = "float"
    DECIMAL = "decimal"
    UTC_DATETIME = "utc_datetime"  # timezone-aware, written in UTC with microseconds
    DATETIME = "datetime"  # naive: written as stored
    DATE = "date"
    TIME = "time"
    JSON = "json"
    BYTES = "bytes"


def kind_of(column_type: TypeEngine[Any]) -> Kind | None:
    """The kind of a SQLAlchemy column type, or None when backups do not support it."""
    if isinstance(column_type, UtcDateTime):
        return Kind.UTC_DATETIME
    if isinstance(column_type, TypeDecorator):
        # A decorator is its storage type's kind unless it declares other values: Interval
        # stores a timedelta in a DATETIME, which is no datetime.
        impl = column_type.impl_instance
        declared = _python_type(column_type)
        if declared not in {object, _python_type(impl)}:
            return None
        return kind_of(impl)
    # Order matters: Enum is a String, Float a Numeric.
    checks: tuple[tuple[type[TypeEngine[Any]], Kind], ...] = (
        (sqltypes.Boolean, Kind.BOOL),
        (sqltypes.Enum, Kind.TEXT),
        (sqltypes.JSON, Kind.JSON),
        (sqltypes.DateTime, Kind.DATETIME),
        (sqltypes.Date, Kind.DATE),
        (sqltypes.Time, Kind.TIME),
        (sqltypes.Float, Kind.FLOAT),
        (sqltypes.Integer, Kind.INT),
        (sqltypes.String, Kind.TEXT),
        (sqltypes.LargeBinary, Kind.BYTES),
    )
    for sql_type, kind in checks:
        if isinstance(column_type, sql_type):
            return kind
    if isinstance(column_type, sqltypes.Numeric):
        return Kind.DECIMAL if column_type.asdecimal else Kind.FLOAT
    return None


def _python_type(column_type: TypeEngine[Any]) -> type | None:
    try:
        return column_type.python_type
    except NotImplementedError:
        return None


def bind_type(kind: Kind, nullable: bool) -> TypeEngine[Any]:
    """The type a restore binds values of ``kind`` with (the same storage the models use)."""
    if kind is Kind.JSON:
        # A None in a NOT NULL JSON column can only have been JSON null.
        return sqltypes.JSON(none_as_null=nullable)
    types: dict[Kind, TypeEngine[Any]] = {
        Kind.INT: sqltypes.BigInteger(),
        Kind.TEXT: sqltypes.Text(),
        Kind.BOOL: sqltypes.Boolean(create_constraint=False),
        Kind.FLOAT: sqltypes.Float(),
        Kind.DECIMAL: sqltypes.Numeric(asdecimal=True),
        Kind.UTC_DATETIME: UtcDateTime(),
        Kind.DATETIME: sqltypes.DateTime(),
        Kind.DATE: sqltypes.Date(),
        Kind.TIME: sqltypes.Time(),
        Kind.BYTES: sqltypes.LargeBinary(),
    }
    return types[kind]


# --- writing: database value -> JSON value ---------------------------------------------


def _encode_utc(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} in a UTC column")
    if value.tzinfo is not dt.UTC:  # UtcDateTime already gives UTC: skip the conversion
        value = value.astimezone(dt.UTC)
    return value.isoformat(timespec="microseconds")


def _encode_bytes(value: bytes) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def _same(value: Any) -> Any:
    return value


ENCODERS: dict[Kind, Callable[[Any], Any]] = {
    Kind.INT: int,
    Kind.TEXT: str,
    Kind.BOOL: bool,
    Kind.FLOAT: float,
    Kind.DECIMAL: str,
    Kind.UTC_DATETIME: _encode_utc,
    Kind.DATETIME: lambda value: value.isoformat(timespec="microseconds"),
    Kind.DATE: lambda value: value.isoformat(),
    Kind.TIME: lambda value: value.isoformat(timespec="microseconds"),
    Kind.JSON: _same,
    Kind.BYTES: _encode_bytes,
}


# --- reading: JSON value -> database value (every bad value raises ValueError) ----------


def _expect(value: Any, expected: type | tuple[type, ...], what: str) -> Any:
    if isinstance(value, bool) and expected is not bool:
        raise ValueError(f"expected {what}, got {value!r}")
    if not isinstance(value, expected):
        raise ValueError(f"expected {what}, got {value!r}")
    return value


# The decoders run once per value of a restore (tens of millions): exact type checks first.


def _decode_int(value: Any) -> int:
    if type(value) is int:
        return value
    raise ValueError(f"expected an integer, got {value!r}")


def _decode_text(value: Any) -> str:
    if type(value) is str:
        return value
    raise ValueError(f"expected a string, got {value!r}")


def _decode_float(value: Any) -> float:
    return float(_expect(value, (int, float), "a number"))


def _decode_decimal(value: Any) -> Decimal:
    text = _expect(value, str, "a decimal number as a string")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"expected a decimal number, got {value!r}") from None


def _parse(parser: Callable[[str], Any], what: str) -> Callable[[Any], Any]:
    def decode(value: Any) -> Any:
        try:
            return parser(value)
        except (TypeError, ValueError):
            raise ValueError(f"expected {what}, got {value!r}") from None

    return decode


_parse_datetime = _parse(dt.datetime.fromisoformat, "an ISO 8601 date and time")


def _decode_utc(value: Any) -> dt.datetime:
    parsed: dt.datetime = _parse_datetime(value)
    if parsed.tzinfo is dt.UTC:  # what backups write
        return parsed
    if parsed.tzinfo is None:
        raise ValueError(f"expected a date and time with a UTC offset, got {value!r}")
    return parsed.astimezone(dt.UTC)


def _decode_bytes(value: Any) -> bytes:
    text = _expect(value, str, "base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ValueError(f"expected base64 text, got {value!r}") from None


DECODERS: dict[Kind, Callable[[Any], Any]] = {
    Kind.INT: _decode_int,
    Kind.TEXT: _decode_text,
    Kind.BOOL: lambda value: _expect(value, bool, "true or false"),
    Kind.FLOAT: _decode_float,
    Kind.DECIMAL: _decode_decimal,
    Kind.UTC_DATETIME: _decode_utc,
    Kind.DATETIME: _parse_datetime,
    Kind.DATE: _parse(dt.date.fromisoformat, "an ISO 8601 date"),
    Kind.TIME: _parse(dt.time.fromisoformat, "an ISO 8601 time"),
    Kind.JSON: _same,
    Kind.BYTES: _decode_bytes,
}
