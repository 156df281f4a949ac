"""Rows of a database cursor, numbered from 1 and fetched in chunks (never all at once)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from clientsuccess_connector.connection.locations import Location

CHUNK = 1000
_ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)
logger = logging.getLogger(__name__)


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


def select_sql(
    location: Location, primary_key: Callable[[str], Sequence[str]], whole_row: str
) -> str:
    """The SQL of an input URL, read in a stable order.

    A `query=` runs as written (a warning is logged when it has no ORDER BY: its row numbers
    may then differ between runs). A `table=` is ordered by `order_by=COL[,COL]`, else by its
    primary key (`primary_key(table)`), else by the whole row `_row` (`whole_row`, in this
    database's SQL: stable, but slower on a large table).
    """
    if "query" in location.options:
        query = location.options["query"]
        if not _ORDER_BY.search(query):
            logger.warning(
                "the input query has no ORDER BY, so its row numbers may differ between runs "
                "(the results ledger still recognises each row by its content); add ORDER BY "
                "to keep them stable"
            )
        return query
    table = location.options["table"]
    given = location.options.get("order_by", "")
    columns = [c.strip() for c in given.split(",") if c.strip()] or list(primary_key(table))
    order = ", ".join(quoted(c) for c in columns) if columns else whole_row
    return f"SELECT * FROM {quoted(table)} AS _row ORDER BY {order}"


def quoted(name: str) -> str:
    """`schema.table` as a quoted SQL identifier: `"schema"."table"`."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))
