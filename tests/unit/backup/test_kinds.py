"""Column kinds: every value survives writing to JSON and reading back, exactly."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Enum, Integer, Numeric, Text
from sqlalchemy import types as sqltypes

from controller.backup.kinds import DECODERS, ENCODERS, Kind, bind_type, kind_of
from controller.db.models import Base
from controller.db.types import Money, UtcDateTime, str_enum
from controller.domain import QueueStrategy

ROUND_TRIPS: list[tuple[Kind, Any]] = [
    (Kind.INT, 0),
    (Kind.INT, -(2**63)),
    (Kind.INT, 2**53 + 1),  # a double would round it
    (Kind.INT, 2**64 + 3),
    (Kind.TEXT, ""),
    (Kind.TEXT, '深圳蓝海科技有限公司 "引号" \\ \n\t 📞'),
    (Kind.BOOL, True),
    (Kind.BOOL, False),
    (Kind.FLOAT, 0.1),
    (Kind.FLOAT, -1e300),
    (Kind.DECIMAL, Decimal("0.1200")),
    (Kind.DECIMAL, Decimal("-99999999.9999")),
    (Kind.UTC_DATETIME, dt.datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=dt.UTC)),
    (Kind.UTC_DATETIME, dt.datetime(1970, 1, 1, tzinfo=dt.UTC)),
    (Kind.DATETIME, dt.datetime(2026, 3, 4, 5, 6, 7, 1)),
    (Kind.DATE, dt.date(2026, 2, 29 - 1)),
    (Kind.TIME, dt.time(23, 59, 59, 999999)),
    (Kind.JSON, {"zh": "请按1", "list": [1, 2.5, None, True], "nested": {"": ""}}),
    (Kind.JSON, ["a", "b"]),
    (Kind.BYTES, bytes(range(256))),
]


@pytest.mark.parametrize(("kind", "value"), ROUND_TRIPS)
def test_a_value_reads_back_equal_and_of_the_same_type(kind: Kind, value: Any) -> None:
    text = json.dumps(ENCODERS[kind](value), ensure_ascii=False)
    back = DECODERS[kind](json.loads(text))
    assert back == value
    assert type(back) is type(value)
    if isinstance(value, Decimal):
        assert str(back) == str(value)  # the scale too


def test_utc_times_are_written_in_utc_with_microseconds() -> None:
    local = dt.datetime(2026, 3, 4, 13, 6, 7, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert ENCODERS[Kind.UTC_DATETIME](local) == "2026-03-04T05:06:07.000005+00:00"
    back = DECODERS[Kind.UTC_DATETIME]("2026-03-04T13:06:07.000005+08:00")
    assert back == local
    assert back.tzinfo is dt.UTC


def test_a_naive_time_in_a_utc_column_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        ENCODERS[Kind.UTC_DATETIME](dt.datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="UTC offset"):
        DECODERS[Kind.UTC_DATETIME]("2026-01-01T00:00:00")


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (Kind.INT, "12", "expected an integer"),
        (Kind.INT, True, "expected an integer"),
        (Kind.INT, 1.5, "expected an integer"),
        (Kind.TEXT, 12, "expected a string"),
        (Kind.BOOL, 1, "expected true or false"),
        (Kind.FLOAT, "1.5", "expected a number"),
        (Kind.DECIMAL, 1.5, "decimal number as a string"),
        (Kind.DECIMAL, "abc", "expected a decimal number"),
        (Kind.DATE, "2026-13-01", "ISO 8601 date"),
        (Kind.TIME, "25:00", "ISO 8601 time"),
        (Kind.BYTES, "not base64!", "base64"),
    ],
)
def test_a_bad_value_is_refused_saying_what_was_expected(
    kind: Kind, value: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        DECODERS[kind](value)


@pytest.mark.parametrize(
    ("column_type", "kind"),
    [
        (UtcDateTime(), Kind.UTC_DATETIME),
        (DateTime(), Kind.DATETIME),
        (Date(), Kind.DATE),
        (Boolean(), Kind.BOOL),
        (str_enum(QueueStrategy, "queue_strategy"), Kind.TEXT),
        (Enum("a", "b", name="ab"), Kind.TEXT),
        (JSON(), Kind.JSON),
        (Money(), Kind.DECIMAL),
        (Numeric(10, 2, asdecimal=False), Kind.FLOAT),
        (BigInteger().with_variant(Integer, "sqlite"), Kind.INT),
        (Text(), Kind.TEXT),
        (sqltypes.LargeBinary(), Kind.BYTES),
    ],
)
def test_kinds_of_column_types(column_type: sqltypes.TypeEngine[Any], kind: Kind) -> None:
    assert kind_of(column_type) is kind


def test_an_unsupported_type_has_no_kind() -> None:
    assert kind_of(sqltypes.Interval()) is None


def test_every_column_of_the_models_has_a_kind() -> None:
    missing = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if kind_of(column.type) is None
    ]
    assert missing == []


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_has_an_encoder_a_decoder_and_a_bind_type(kind: Kind) -> None:
    assert kind in ENCODERS
    assert kind in DECODERS
    assert isinstance(bind_type(kind, nullable=True), sqltypes.TypeEngine)
