"""dlt column hints from the column types our schema inference finds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from clientsuccess_connector.sinks.base import ColumnType

_DLT_TYPES: dict[ColumnType, str] = {
    "integer": "bigint",
    "float": "double",
    "boolean": "bool",
    "timestamp": "timestamp",
    "text": "text",
    "json": "json",
}


def column_hints(
    columns: Mapping[str, ColumnType | None], key: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """dlt's `columns` hint: a data type per typed column, key columns not nullable."""
    return {
        name: {"name": name, "data_type": _DLT_TYPES[kind], "nullable": name not in key}
        for name, kind in columns.items()
        if kind is not None
    }
