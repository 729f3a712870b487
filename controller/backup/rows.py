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
    columns = [(c.name, DECODERS[c.kind]) for c in spec.columns]
    # JSON columns may hold JSON null even when NOT NULL (it reads back as None).
    not_null = [n for n, c in enumerate(spec.columns) if not c.nullable and c.kind is not Kind.JSON]
    width = len(columns)

    def explain(values: list[Any], where: str) -> BackupError:
        for (name, decoder), value in zip(columns, values, strict=True):
            try:
                if value is not None:
                    decoder(value)
            except ValueError as exc:
                return BackupError(f"{where} column {name}: {exc}")
        return BackupError(f"{where}: cannot be read")

    def decode(line: bytes, number: int) -> Row:
        try:
            values = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BackupError(f"table {spec.name} line {number}: not valid JSON ({exc})") from None
        if type(values) is not list or len(values) != width:
            raise BackupError(f"table {spec.name} line {number}: expected a list of {width} values")
        for index in not_null:
            if values[index] is None:
                where = f"table {spec.name} line {number} column {columns[index][0]}"
                raise BackupError(f"{where}: null in a NOT NULL column")
        try:
            return {
                name: None if value is None else decoder(value)
                for (name, decoder), value in zip(columns, values, strict=True)
            }
        except ValueError:
            raise explain(values, f"table {spec.name} line {number}") from None

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
