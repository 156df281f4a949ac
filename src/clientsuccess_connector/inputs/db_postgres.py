"""PostgreSQL input: `postgresql://user:pass@host/db?table=T` or `?query=SQL`, server-side."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clientsuccess_connector.connection.locations import parse_input
from clientsuccess_connector.errors import ConfigError, missing_extra
from clientsuccess_connector.inputs.db_rows import CHUNK, numbered_rows, quoted, select_sql

_PRIMARY_KEY = (
    "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
    "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
    "WHERE i.indrelid = %s::regclass AND i.indisprimary "
    "ORDER BY array_position(i.indkey, a.attnum)"
)


def read_postgres(url: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(row_number, record)` from a query, `CHUNK` rows per round trip."""
    try:
        import psycopg  # noqa: PLC0415  (heavy; loaded only when used)
    except ImportError as exc:  # the [postgres] extra
        raise missing_extra("postgres", exc) from None

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

    def primary_key(table: str) -> list[str]:
        try:
            with conn.cursor() as lookup:
                lookup.execute(_PRIMARY_KEY, (quoted(table),))
                return [str(row[0]) for row in lookup.fetchall()]
        except psycopg.Error:
            conn.rollback()
            return []  # no such table: the SELECT below names it in its error

    try:
        sql = select_sql(location, primary_key, "_row::text")
        with conn.transaction(), conn.cursor(name="clientsuccess_write_input") as cursor:
            cursor.itersize = CHUNK
            try:
                cursor.execute(sql)  # user-supplied SQL by design
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
