"""DuckDB input: `duckdb:///file.duckdb?table=T[&order_by=C]` or `?query=SQL`, in chunks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clientsuccess_connector.connection.locations import absolute_hint, parse_input
from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.inputs.db_rows import numbered_rows, select_sql


def read_duckdb(url: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(row_number, record)` from a DuckDB table or query, `CHUNK` rows at a time."""
    import duckdb  # noqa: PLC0415  (heavy; loaded only when used)

    location = parse_input(url)
    path = location.path
    assert path is not None
    if not path.is_file():
        raise ConfigError(
            f"DuckDB file {str(path)!r} does not exist; check the path in the input URL"
            f"{absolute_hint(location)}"
        )
    con = duckdb.connect(str(path), read_only=True)

    def primary_key(table: str) -> list[str]:
        schema, _, name = table.rpartition(".")
        rows = con.execute(
            "SELECT constraint_column_names FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY' AND table_name = ? "
            "AND (? = '' OR schema_name = ?)",
            [name, schema, schema],
        ).fetchall()
        return list(rows[0][0]) if rows else []

    try:
        try:
            cursor = con.execute(select_sql(location, primary_key, "ALL"))
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            raise ConfigError(
                f"DuckDB input {path}: {first}; fix the table name or query"
            ) from None
        columns = [d[0] for d in cursor.description]
        yield from numbered_rows(cursor, columns)
    finally:
        con.close()
