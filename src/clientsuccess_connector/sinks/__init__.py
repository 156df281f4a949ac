"""Destinations that `sync` lands records in: DuckDB, PostgreSQL and JSONL/CSV/Parquet files.

Open one with `open_sink(url)`; every destination implements `Sink`.
"""

from __future__ import annotations

from clientsuccess_connector.sinks.base import SYNCED_AT, Column, ColumnType, Sink
from clientsuccess_connector.sinks.urls import ACCEPTED_FORMS, mask_password, parse_destination


def open_sink(url: str) -> Sink:
    """Open the destination at `url`; ConfigError naming the URL and the accepted forms if bad."""
    dest = parse_destination(url)
    if dest.kind == "duckdb":
        from clientsuccess_connector.sinks.duckdb_sink import DuckDBSink  # noqa: PLC0415 (load only the driver needed)

        assert dest.path is not None
        if "memory_limit" in dest.options:
            return DuckDBSink(dest.path, dest.masked, memory_limit=dest.options["memory_limit"])
        return DuckDBSink(dest.path, dest.masked)
    if dest.kind == "postgresql":
        from clientsuccess_connector.sinks.postgres_sink import PostgresSink  # noqa: PLC0415 (load only the driver needed)

        return PostgresSink(dest.url, dest.masked, dest.options.get("schema", "public"))
    from clientsuccess_connector.sinks.files import FileSink  # noqa: PLC0415 (load only the driver needed)

    assert dest.path is not None
    return FileSink(dest.path, dest.masked, dest.kind)


__all__ = [
    "ACCEPTED_FORMS",
    "SYNCED_AT",
    "Column",
    "ColumnType",
    "Sink",
    "mask_password",
    "open_sink",
]
