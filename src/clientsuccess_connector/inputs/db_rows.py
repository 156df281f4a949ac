"""Rows of a database cursor, numbered from 1 and fetched in chunks (never all at once)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from clientsuccess_connector.locations import Location

CHUNK = 1000


class Cursor(Protocol):
    """What both DuckDB and psycopg cursors offer."""

    def fetchmany(self, size: int) -> Sequence[Sequence[Any]]: ...


def numbered_rows(cursor: Cursor, columns: Sequence[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, {column: value}) for every row the cursor holds, `CHUNK` rows at a time."""
    row_number = 0
    while True:
        chunk = cursor.fetchmany(CHUNK)
        if not chunk:
            return
        for values in chunk:
            row_number += 1
            yield row_number, dict(zip(columns, values, strict=True))


def select_sql(location: Location) -> str:
    """The SQL of an input URL: its `query=`, or every row of its `table=` (quoted)."""
    if "query" in location.options:
        return location.options["query"]
    table = location.options["table"]
    return "SELECT * FROM " + ".".join(
        '"' + part.replace('"', '""') + '"' for part in table.split(".")
    )
