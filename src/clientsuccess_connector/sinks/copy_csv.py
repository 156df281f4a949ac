"""A batch's Arrow table as the CSV that PostgreSQL's `COPY ... (FORMAT csv)` reads.

Arrow writes it in C. Every string is quoted and a null is an empty unquoted field, which is
exactly how PostgreSQL's CSV format tells an empty string from NULL; floats are written in
their shortest exact form (`nan`, `inf` included). Timestamps go without their zone (Arrow
formats zoned ones twenty times slower): they are UTC, and the sink's session time zone is UTC,
so PostgreSQL reads them as the same instants.
"""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.csv as pa_csv

_OPTIONS = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
_NAIVE = pa.timestamp("us")


def copy_csv(table: pa.Table) -> bytes:
    """`table` as CSV rows (no header) for `COPY ... FROM STDIN (FORMAT csv)` in a session
    whose time zone is UTC."""
    columns = [
        column.cast(_NAIVE) if pa.types.is_timestamp(column.type) else column
        for column in table.columns
    ]
    out = io.BytesIO()
    pa_csv.write_csv(pa.table(columns, names=table.column_names), out, _OPTIONS)
    return out.getvalue()
