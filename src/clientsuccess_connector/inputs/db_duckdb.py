"""DuckDB input: `duckdb:///file.duckdb?table=T` or `?query=SQL`, fetched in chunks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.inputs.db_rows import numbered_rows

_USAGE = "use duckdb:///file.duckdb?table=T or duckdb:///file.duckdb?query=SELECT..."


def split_source(url: str, scheme: str) -> tuple[str, str]:
    """`(location, sql)` of `scheme...?table=T` or `...?query=SQL` (the query runs to the end)."""
    location, sep, rest = url.partition("?")
    if not sep:
        raise ConfigError(
            f"input {url!r} names no table or query; {_USAGE.replace('duckdb', scheme)}"
        )
    if rest.startswith("query="):
        sql = unquote(rest[len("query=") :]).strip()
        if not sql:
            raise ConfigError(f"input {url!r} has an empty query; give ?query=SELECT ...")
        return location, sql
    if rest.startswith("table="):
        table = unquote(rest[len("table=") :]).strip()
        if not table:
            raise ConfigError(f"input {url!r} has an empty table name; give ?table=NAME")
        quoted = ".".join('"' + part.replace('"', '""') + '"' for part in table.split("."))
        return location, f"SELECT * FROM {quoted}"
    raise ConfigError(f"input {url!r}: unknown option {rest.split('=')[0]!r}; {_USAGE}")


def duckdb_path(location: str) -> Path:
    """The file of `duckdb:///rel.duckdb` (relative) or `duckdb:////abs.duckdb` (absolute)."""
    raw = location[len("duckdb://") :]
    if raw.startswith("/"):
        raw = raw[1:]
    path = Path(raw)
    if not path.exists() and Path("/" + raw).exists():
        path = Path("/" + raw)  # duckdb:///tmp/x.duckdb written for an absolute path
    if not path.is_file():
        raise ConfigError(f"DuckDB file {raw!r} does not exist; check the path in the input URL")
    return path


def read_duckdb(url: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(row_number, record)` from a DuckDB table or query, `CHUNK` rows at a time."""
    import duckdb  # noqa: PLC0415  (heavy; loaded only when used)

    location, sql = split_source(url, "duckdb")
    path = duckdb_path(location)
    con = duckdb.connect(str(path), read_only=True)
    try:
        try:
            cursor = con.execute(sql)
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            raise ConfigError(
                f"DuckDB input {path}: {first}; fix the table name or query"
            ) from None
        columns = [d[0] for d in cursor.description]
        yield from numbered_rows(cursor, columns)
    finally:
        con.close()
