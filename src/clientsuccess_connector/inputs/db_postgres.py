"""PostgreSQL input: `postgresql://user:pass@host/db?query=SQL` through a server-side cursor."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.inputs.db_duckdb import split_source

_CHUNK = 1000


def masked_url(url: str) -> str:
    """The URL with its password replaced by `***` and its query left out."""
    base = url.partition("?")[0]
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", base)


def read_postgres(url: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(row_number, record)` from a query, `_CHUNK` rows per round trip."""
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
            cursor.itersize = _CHUNK
            try:
                cursor.execute(sql)  # user-supplied SQL by design
            except psycopg.Error as exc:
                first = str(exc).strip().splitlines()[0]
                raise ConfigError(
                    f"PostgreSQL input {masked_url(url)}: {first}; fix the query"
                ) from None
            columns = [d.name for d in cursor.description or ()]
            row_number = 0
            while True:
                chunk = cursor.fetchmany(_CHUNK)
                if not chunk:
                    return
                for values in chunk:
                    row_number += 1
                    yield row_number, dict(zip(columns, values, strict=True))
    finally:
        conn.close()
