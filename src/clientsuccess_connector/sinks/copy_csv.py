"""A batch's Arrow table as the CSV that PostgreSQL's `COPY ... (FORMAT csv)` reads.

Arrow writes it in C. Every string is quoted and a null is an empty unquoted field, which is
exactly how PostgreSQL's CSV format tells an empty string from NULL; timestamps are written in
UTC with microseconds and a `Z`, floats in their shortest exact form (`nan`, `inf` included).
"""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.csv as pa_csv

_OPTIONS = pa_csv.WriteOptions(include_header=False, quoting_style="needed")


def copy_csv(table: pa.Table) -> bytes:
    """`table` as CSV rows (no header) for `COPY ... FROM STDIN (FORMAT csv)`."""
    out = io.BytesIO()
    pa_csv.write_csv(table, out, _OPTIONS)
    return out.getvalue()
