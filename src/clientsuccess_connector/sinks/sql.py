"""SQL text shared by the sinks that speak SQL: identifier quoting, per-type SQL names, and the
DuckDB expressions both the DuckDB and the file destinations (merged with DuckDB) use."""

from __future__ import annotations

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.sinks.base import ColumnType

DUCKDB_TYPES: dict[ColumnType, str] = {
    "integer": "BIGINT",
    "float": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMPTZ",
    "text": "VARCHAR",
    "json": "JSON",
}
POSTGRES_TYPES: dict[ColumnType, str] = {
    "integer": "BIGINT",
    "float": "DOUBLE PRECISION",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMPTZ",
    "text": "TEXT",
    "json": "JSONB",
}


DUCKDB_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
"""strftime format DuckDB writes timestamps as text with (UTC, microseconds, `Z`)."""


def duckdb_widen(col: str, old: ColumnType, new: ColumnType) -> str:
    """DuckDB expression converting values of SQL expression `col` from `old` to `new`."""
    if old == "timestamp" and new in ("text", "json"):
        col = f"strftime(timezone('UTC', {col}), '{DUCKDB_ISO_FORMAT}')"
    if new == "json":
        return f"to_json({col})"
    return f"CAST({col} AS {DUCKDB_TYPES[new]})"


def quote(identifier: str) -> str:
    """A double-quoted SQL identifier (reserved words, mixed case and quotes are safe)."""
    return '"' + identifier.replace('"', '""') + '"'


def check_stream_name(stream: str) -> None:
    """Stream names become table names; the `_cs_` prefix is reserved for bookkeeping tables."""
    if not stream or stream.startswith("_cs_") or "\x00" in stream or "/" in stream:
        raise ConfigError(
            f"stream name {stream!r} cannot be used as a table name; pick a non-empty name "
            "without '/' that does not start with '_cs_'"
        )


def sql_literal(text: str) -> str:
    """A single-quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
