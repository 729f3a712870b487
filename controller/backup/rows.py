"""A table's rows as JSON lines: one JSON array per row, values in the manifest's column order.

Pure functions between database rows and bytes; the caller streams them, so a table of
millions of rows never sits in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from controller.backup.errors import BackupError
from controller.backup.kinds import DECODERS, ENCODERS, Kind
from controller.backup.tables import TableSpec

CHUNK_BYTES = 256 * 1024

Row = dict[str, Any]


def encode_rows(spec: TableSpec, rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """``rows`` (values in column order) as JSON lines, in chunks of about CHUNK_BYTES."""
    encoders = [ENCODERS[column.kind] for column in spec.columns]
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    lines: list[str] = []
    pending = 0
    for row in rows:
        try:
            values = [None if v is None else enc(v) for enc, v in zip(encoders, row, strict=True)]
        except (TypeError, ValueError) as exc:
            raise BackupError(f"table {spec.name}: a row cannot be written: {exc}") from exc
        line = dumps(values)
        lines.append(line)
        pending += len(line)
        if pending >= CHUNK_BYTES:
            yield ("\n".join(lines) + "\n").encode("utf-8")
            lines, pending = [], 0
    if lines:
        yield ("\n".join(lines) + "\n").encode("utf-8")


def row_decoder(spec: TableSpec) -> Callable[[bytes, int], Row]:
    """A function from (line, line number) to a row dict; every bad value is a BackupError
    naming the table, the line and the column."""
    names = spec.column_names
    decoders = [DECODERS[column.kind] for column in spec.columns]
    # JSON columns may hold JSON null even when NOT NULL (it reads back as None).
    nullable = [column.nullable or column.kind is Kind.JSON for column in spec.columns]

    def decode(line: bytes, number: int) -> Row:
        where = f"table {spec.name} line {number}"
        try:
            values = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BackupError(f"{where}: not valid JSON ({exc})") from None
        if not isinstance(values, list) or len(values) != len(names):
            raise BackupError(f"{where}: expected a list of {len(names)} values")
        row: Row = {}
        for name, decoder, may_be_null, value in zip(
            names, decoders, nullable, values, strict=True
        ):
            if value is None:
                if not may_be_null:
                    raise BackupError(f"{where} column {name}: null in a NOT NULL column")
                row[name] = None
                continue
            try:
                row[name] = decoder(value)
            except ValueError as exc:
                raise BackupError(f"{where} column {name}: {exc}") from None
        return row

    return decode


def batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
