"""PostgreSQL input: `postgresql://user:pass@host/db?query=SQL` through a server-side cursor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.inputs.db_rows import CHUNK, numbered_rows, select_sql
from clientsuccess_connector.locations import parse_input


def read_postgres(url: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(row_number, record)` from a query, `CHUNK` rows per round trip."""
    import psycopg  # noqa: PLC0415  (heavy; loaded only when used)

    location = parse_input(url)
    assert location.conninfo is not None
    where = location.without_query
    try:
        conn = psycopg.connect(location.conninfo)
    except psycopg.Error as exc:
        first = location.mask(_first_line(exc))
        raise ConfigError(
            f"cannot connect to {where}: {first}; check host, port, user and password"
        ) from None
    try:
        with conn.transaction(), conn.cursor(name="clientsuccess_write_input") as cursor:
            cursor.itersize = CHUNK
            try:
                cursor.execute(select_sql(location))  # user-supplied SQL by design
            except psycopg.Error as exc:
                first = location.mask(_first_line(exc))
                raise ConfigError(f"PostgreSQL input {where}: {first}; fix the query") from None
            columns = [d.name for d in cursor.description or ()]
            yield from numbered_rows(cursor, columns)
    finally:
        conn.close()


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
