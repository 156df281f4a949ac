"""Destinations that `sync` lands records in: DuckDB, PostgreSQL and JSONL/CSV/Parquet files.

Open one with `open_sink(url)`; every destination implements `Sink`.
"""

from __future__ import annotations

from clientsuccess_connector.connection.locations import DESTINATION_FORMS as ACCEPTED_FORMS
from clientsuccess_connector.connection.locations import absolute_hint, parse_destination
from clientsuccess_connector.errors import ConfigError, DestinationUnavailable
from clientsuccess_connector.sinks.base import SYNCED_AT, Column, ColumnType, Sink
from clientsuccess_connector.sinks.naming import API, NAMINGS, check_naming


def open_sink(url: str, *, read_only: bool = False, naming: str | None = None) -> Sink:
    """Open the destination at `url`; ConfigError naming the URL and the accepted forms if bad.

    `read_only` opens an existing destination to look at it: a DuckDB file or a directory that
    does not exist is a ConfigError instead of being created, and DuckDB opens read-only.
    `naming` (`api` or `snake_case`, e.g. a flow's `naming:`) names new tables and columns
    unless the URL says otherwise (`?naming=snake_case`); the default is `api`."""
    dest = parse_destination(url)
    if read_only and dest.path is not None and not dest.path.exists():
        raise ConfigError(
            f"destination {dest.masked} does not exist yet; sync into it first, or check the "
            f"URL{absolute_hint(dest)}"
        )
    names = check_naming(dest.options.get("naming") or naming or API, f"destination {dest.masked}")
    if dest.kind == "duckdb":
        from clientsuccess_connector.sinks.duckdb_sink import DuckDBSink  # noqa: PLC0415 (load only the driver needed)

        assert dest.path is not None
        if "memory_limit" in dest.options:
            limit = dest.options["memory_limit"]
            return DuckDBSink(
                dest.path, dest.masked, memory_limit=limit, read_only=read_only, naming=names
            )
        return DuckDBSink(dest.path, dest.masked, read_only=read_only, naming=names)
    if dest.kind == "postgresql":
        from clientsuccess_connector.sinks.postgres_sink import PostgresSink  # noqa: PLC0415 (load only the driver needed)

        assert dest.conninfo is not None
        schema = dest.options.get("schema", "public")
        try:
            return PostgresSink(
                dest.conninfo, dest.masked, schema, naming=names, read_only=read_only
            )
        except DestinationUnavailable as exc:  # an outage: `sync --every` retries it
            raise DestinationUnavailable(dest.mask(str(exc))) from None
        except ConfigError as exc:
            raise ConfigError(dest.mask(str(exc))) from None
    from clientsuccess_connector.sinks.files import FileSink  # noqa: PLC0415 (load only the driver needed)

    assert dest.path is not None
    extra = {k: dest.options[k] for k in ("memory_limit", "formulas") if k in dest.options}
    return FileSink(dest.path, dest.masked, dest.kind, naming=names, read_only=read_only, **extra)


__all__ = [
    "ACCEPTED_FORMS",
    "NAMINGS",
    "SYNCED_AT",
    "Column",
    "ColumnType",
    "Sink",
    "open_sink",
]
