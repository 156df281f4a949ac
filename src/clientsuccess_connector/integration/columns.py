"""Column types of a stream, inferred from its records by the rules every destination uses
(`sinks/typing_rules.py`), and kept widening as more records arrive."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from clientsuccess_connector.connection import Connection
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.read.lookups import LookupTable
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.sinks.base import ColumnType
from clientsuccess_connector.sinks.typing_rules import infer_column

Columns = dict[str, ColumnType | None]
"""Field -> type, in order of first appearance; None while a field has only been null."""


def widen_columns(columns: Mapping[str, ColumnType | None], records: Iterable[Mapping[str, Any]]
                  ) -> Columns:  # fmt: skip
    """`columns` widened to hold `records` too (new fields appended in order of appearance)."""
    values: dict[str, list[Any]] = {name: [] for name in columns}
    for record in records:
        for key, value in record.items():
            values.setdefault(key, []).append(value)
    return {name: infer_column(vals, columns.get(name)) for name, vals in values.items()}


def sample_records(
    connection: Connection,
    source: Source,
    lookups: Mapping[str, LookupTable] | None = None,
    *,
    records: int = 200,
) -> list[dict[str, Any]]:
    """The first `records` records of `source` (one page or a few)."""
    with Reader(connection, lookups=lookups) as reader:
        return list(reader.records(source, limit=records))


def sample_columns(
    connection: Connection,
    source: Source,
    lookups: Mapping[str, LookupTable] | None = None,
    *,
    records: int = 200,
) -> Columns:
    """The column types of the first `records` records of `source` (one page or a few)."""
    return widen_columns({}, sample_records(connection, source, lookups, records=records))
