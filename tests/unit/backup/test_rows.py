"""Rows as JSON lines, and the deferral of references to rows not inserted yet."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from controller.backup.errors import BackupError
from controller.backup.kinds import Kind
from controller.backup.load import Fixups, defer_references
from controller.backup.rows import CHUNK_BYTES, batches, encode_rows, row_decoder
from controller.backup.tables import ColumnSpec, DeferredReference, TableSpec

LEG = TableSpec(
    name="queue_leg",
    columns=(
        ColumnSpec(name="id", kind=Kind.INT, nullable=False),
        ColumnSpec(name="queue", kind=Kind.TEXT, nullable=False),
        ColumnSpec(name="entered_at", kind=Kind.UTC_DATETIME, nullable=False),
        ColumnSpec(name="extra", kind=Kind.JSON, nullable=False),
        ColumnSpec(name="prev_leg_id", kind=Kind.INT, nullable=True),
    ),
    primary_key=("id",),
    deferred=(DeferredReference(column="prev_leg_id", forward_only=True),),
)
AT = dt.datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=dt.UTC)


def lines(rows: list[tuple[Any, ...]]) -> list[bytes]:
    return b"".join(encode_rows(LEG, rows)).splitlines()


def test_rows_are_one_json_array_per_line_and_read_back_equal() -> None:
    rows = [(1, "售后", AT, {"k": "值"}, None), (2, "sales", AT, None, 1)]
    encoded = lines(rows)
    assert encoded[0] == '[1,"售后","2026-03-04T05:06:07.123456+00:00",{"k":"值"},null]'.encode()
    decode = row_decoder(LEG)
    assert [tuple(decode(line, n).values()) for n, line in enumerate(encoded, 1)] == rows


def test_large_tables_are_written_in_chunks() -> None:
    rows = [(n, "x" * 100, AT, {}, None) for n in range(10_000)]
    chunks = list(encode_rows(LEG, rows))
    assert len(chunks) > 2
    assert all(len(chunk) < 2 * CHUNK_BYTES for chunk in chunks)
    assert all(chunk.endswith(b"\n") for chunk in chunks)
    assert b"".join(chunks).count(b"\n") == 10_000


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"{not json", "table queue_leg line 7: not valid JSON"),
        (b"[1, 2]", "table queue_leg line 7: expected a list of 5 values"),
        (b'[null,"q","2026-01-01T00:00:00+00:00",{},null]', "line 7 column id: null in a NOT"),
        (b'[1,"q","yesterday",{},null]', "line 7 column entered_at: expected an ISO 8601"),
        (b'[1,"q","2026-01-01T00:00:00+00:00",{},"2"]', "column prev_leg_id: expected an int"),
    ],
)
def test_a_bad_line_names_the_table_line_and_column(line: bytes, message: str) -> None:
    with pytest.raises(BackupError, match=message):
        row_decoder(LEG)(line, 7)


def test_json_null_in_a_not_null_json_column_is_a_value() -> None:
    row = row_decoder(LEG)(b'[1,"q","2026-01-01T00:00:00+00:00",null,null]', 1)
    assert row["extra"] is None


@pytest.mark.parametrize(
    ("key", "previous", "deferred"),
    [(5, None, False), (5, 4, False), (5, 5, True), (5, 6, True)],
)
def test_a_reference_to_the_same_or_a_later_row_is_deferred(
    key: int, previous: int | None, deferred: bool
) -> None:
    row = {"id": key, "prev_leg_id": previous}
    fixups = Fixups()
    defer_references(LEG, row, fixups)
    if deferred:
        assert row["prev_leg_id"] is None
        assert fixups.pending == {("queue_leg", "prev_leg_id"): [(key, previous)]}
    else:
        assert row["prev_leg_id"] == previous
        assert fixups.pending == {}


def test_a_cycle_reference_is_always_deferred() -> None:
    spec = LEG.model_copy(
        update={"deferred": (DeferredReference(column="prev_leg_id", forward_only=False),)}
    )
    row = {"id": 5, "prev_leg_id": 1}
    fixups = Fixups()
    defer_references(spec, row, fixups)
    assert (row["prev_leg_id"], fixups.pending) == (None, {("queue_leg", "prev_leg_id"): [(5, 1)]})


def test_batches() -> None:
    assert [len(b) for b in batches(({"n": n} for n in range(5)), 2)] == [2, 2, 1]
