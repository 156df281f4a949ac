"""PostgreSQL input: `postgresql://user:pass@host/db?query=SQL` through a server-side cursor."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.inputs.db_duckdb import split_source
from clientsuccess_connector.inputs.db_rows import CHUNK, numbered_rows


def masked_url(url: str) -> str:
    """The URL with its password replaced by `***` and its query left out."""
    base = url.partition("?")[0]
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", base)


def read_postgres(url: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(row_number, record)` from a query, `CHUNK` rows per round trip."""
    import psycopg  # noqa: PLC0415  (heavy; loaded only when used)

    dsn, sql = split_source(url, "postgresql")
    try:
        conn = psycopg.connect(dsn)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(
            f"cannot connect to {masked_url(url)}: {first}; check host, port, user and password"
        ) from None
    try:
        with conn.transaction(), conn.cursor(name="clientsuccess_write_input") as cursor:
            cursor.itersize = CHUNK
            try:
                cursor.execute(sql)  # user-supplied SQL by design
            except psycopg.Error as exc:
                first = str(exc).strip().splitlines()[0]
                raise ConfigError(
                    f"PostgreSQL input {masked_url(url)}: {first}; fix the query"
                ) from None
            columns = [d.name for d in cursor.description or ()]
            yield from numbered_rows(cursor, columns)
    finally:
        conn.close()
