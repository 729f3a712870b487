"""The few SQL expressions each database spells its own way, and result conversion.

Report queries are written once with SQLAlchemy Core; only these differ per backend
(``dialect`` is ``session.bind.dialect.name``). Every duration comes back as whole
milliseconds, rounded per row, so SQLite, PostgreSQL and MariaDB add up the same numbers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, cast, func, literal_column
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

MYSQL = ("mysql", "mariadb")


def dialect_of(session: Session) -> str:
    bind = session.get_bind()
    return bind.dialect.name


def ms_between(dialect: str, start: Any, end: Any) -> ColumnElement[int]:
    """``end - start`` in whole milliseconds (NULL when either is NULL)."""
    if dialect == "postgresql":
        seconds = func.extract("epoch", end - start)
        return cast(func.round(seconds * 1000), Integer)
    if dialect in MYSQL:
        micro = func.timestampdiff(literal_column("MICROSECOND"), start, end)
        return cast(func.round(micro / 1000), Integer)
    days = func.julianday(end) - func.julianday(start)
    return cast(func.round(days * 86_400_000), Integer)


def utc_minute(dialect: str, at: Any) -> ColumnElement[int]:
    """The minute (0..59) of a stored UTC time."""
    if dialect == "postgresql":
        return cast(func.extract("minute", func.timezone("UTC", at)), Integer)
    if dialect in MYSQL:
        return func.minute(at)
    return cast(func.strftime("%M", at), Integer)


def local_quarter(dialect: str, at: Any, shift: int) -> ColumnElement[int]:
    """The local quarter of the hour (0..3) of a UTC time, for a zone whose offset is
    ``shift`` minutes past a whole hour (see calendar.quarter_shift)."""
    minute = utc_minute(dialect, at)
    if shift:
        minute = (minute + shift) % 60
    if dialect == "postgresql":
        return cast(func.floor(minute / 15.0), Integer)
    if dialect in MYSQL:
        return literal_column("0") + func.floor(minute / 15)
    return cast(minute / 15, Integer)


def as_int(value: Any) -> int:
    """SUM() answers int, Decimal (MariaDB) or None (no rows)."""
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return int(value)
    return int(value)


QUARTER_SECONDS = 900


def epoch_quarter(dialect: str, at: Any) -> ColumnElement[int]:
    """The quarter hour a stored UTC time falls in, as ``floor(epoch seconds / 900)``.

    Rows without a frozen local date are grouped by it in SQL and mapped to local buckets in
    Python (calendar.bucket_of): every zone's offset is a multiple of 15 minutes, so a UTC
    quarter lies in exactly one local quarter."""
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", at) / QUARTER_SECONDS), Integer)
    if dialect in MYSQL:
        seconds = func.timestampdiff(literal_column("SECOND"), literal_column("'1970-01-01'"), at)
        return cast(func.floor(seconds / QUARTER_SECONDS), Integer)
    return cast(func.strftime("%s", at), Integer) / QUARTER_SECONDS
