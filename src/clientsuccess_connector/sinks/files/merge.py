"""The DuckDB SQL that merges a file stream: its merged file and its pending part files, in the
current column types, keeping the latest row per primary key in bounded memory."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pyarrow.parquet as pq

from clientsuccess_connector.sinks.base import SYNCED_AT, ColumnType
from clientsuccess_connector.sinks.formulas import neutralise_sql, restore_sql
from clientsuccess_connector.sinks.sql import (
    DUCKDB_ISO_FORMAT,
    DUCKDB_TYPES,
    duckdb_widen,
    quote,
    sql_literal,
)
from clientsuccess_connector.sinks.stream_schema import StreamSchema
from clientsuccess_connector.sinks.versions import EVER, newest_first

TYPES_KEY = b"cs_types"
"""Parquet metadata key of a part file: its columns' types as JSON."""
PARQUET_OPTIONS = "FORMAT PARQUET, ROW_GROUP_SIZE 100000, ROW_GROUP_SIZE_BYTES '16MB'"
"""DuckDB buffers a whole row group before writing it: bound it in bytes, not only in rows
(the default, 122,880 rows of wide records, is several times the memory budget)."""
SEQ = "_cs_seq"
"""Helper column ordering the sources: 0 for the merged file, the part number for a part."""


@dataclass(frozen=True)
class StreamFiles:
    """What a stream's rows are stored in: its merged file (None until the first compaction,
    with the types it was written in) and its committed part files, oldest first."""

    fmt: str
    data: Path | None
    parts: list[Path]
    file_types: Mapping[str, ColumnType] = field(default_factory=dict)
    raw_formulas: bool = False  # CSV: text written as it is, not neutralised (formulas.py)
    newest: str | None = None
    """The column whose latest value picks a key's newest version (None: the latest part)."""
    since: str = EVER
    """SQL value: when the run began writing the stream (its versions are ordered by stamp,
    and beat those of earlier runs; sinks/versions.py)."""


def merged_query(files: StreamFiles, schema: StreamSchema, winners: str | None = None) -> str:
    """SQL selecting the stream's rows (latest per key) in the current schema's types; json
    columns as JSON, timestamps as TIMESTAMPTZ. `winners`: a table made by `winners_statement`
    (else the latest (key, seq) pairs are aggregated inline)."""
    columns = [(c.name, c.type) for c in schema.to_columns()]
    names = ", ".join(quote(n) for n, _ in columns)
    union = _union(files, columns)
    if union is None:
        empty = ", ".join(f"CAST(NULL AS {DUCKDB_TYPES[t]}) AS {quote(n)}" for n, t in columns)
        return f"SELECT {empty} WHERE false"
    if not needs_dedupe(files, schema):
        return f"SELECT {names} FROM ({union})"
    # Latest row per key in bounded memory: aggregate only (key, seq), then stream every
    # row through a semi join against it (a window over whole rows would hold them all).
    pk = schema.primary_key
    match = " AND ".join(f"u.{quote(k)} IS NOT DISTINCT FROM k.{quote(k)}" for k in pk)
    picked = ", ".join("u." + quote(n) for n, _ in columns)
    if winners is None:
        return (
            f"WITH u AS NOT MATERIALIZED ({union}), k AS ({_latest(union, pk, files)}) "
            f"SELECT {picked} FROM u SEMI JOIN k ON {match} AND u.{SEQ} = k._cs_max"
        )
    return (
        f"SELECT {picked} FROM ({union}) AS u SEMI JOIN {winners} AS k "
        f"ON {match} AND u.{SEQ} = k._cs_max"
    )


def needs_dedupe(files: StreamFiles, schema: StreamSchema) -> bool:
    """True when rows of several files may share a key (one file's keys are already unique)."""
    return bool(schema.primary_key) and len(files.parts) + (files.data is not None) > 1


def winners_statement(files: StreamFiles, schema: StreamSchema, table: str) -> str:
    """A temp table of the latest (key, seq) pair per key: a table the planner can size, so
    the semi join builds its hash table on the keys, never on whole rows."""
    union = _union(files, [(c.name, c.type) for c in schema.to_columns()]) or "SELECT 1"
    latest = _latest(union, schema.primary_key, files)
    return f"CREATE OR REPLACE TEMP TABLE {table} AS {latest}"


def _latest(union: str, pk: list[str], files: StreamFiles) -> str:
    """Per key, the `_cs_seq` of its version to keep: the latest part, or with `newest` the
    version with the latest stamp among this run's (versions.py)."""
    keys = ", ".join(quote(k) for k in pk)
    pick = f"max({SEQ})"
    if files.newest is not None:
        order = newest_first(files.newest, SEQ, quote(SYNCED_AT), files.since)
        pick = f"arg_max({SEQ}, {order})"
    return f"SELECT {keys}, {pick} AS _cs_max FROM ({union}) GROUP BY {keys}"


def _union(files: StreamFiles, columns: list[tuple[str, ColumnType]]) -> str | None:
    """Every source of the stream converted to the current types, with its `_cs_seq`."""
    sources: list[str] = []
    if files.data is not None:
        reader = _read_data(files.fmt, files.data, files.file_types)
        from_csv = files.fmt == "csv"
        restoring = from_csv and not files.raw_formulas
        sources.append(_select(reader, columns, files.file_types, 0, from_csv, restoring))
    # Parts with the same column types are read by one scan (the part number, from the file
    # name, orders them); a schema change starts a new group.
    groups: dict[bytes, list[Path]] = {}
    for part in files.parts:
        meta = pq.read_schema(part).metadata or {}
        groups.setdefault(meta.get(TYPES_KEY, b"{}"), []).append(part)
    for types_json, paths in groups.items():
        names = ", ".join(sql_literal(str(p)) for p in paths)
        reader = f"read_parquet([{names}], filename = true)"
        seq = r"CAST(regexp_extract(filename, '(\d+)\.parquet$', 1) AS BIGINT)"
        sources.append(_select(reader, columns, orjson.loads(types_json), seq))
    return " UNION ALL ".join(sources) if sources else None


def copy_statement(
    fmt: str, schema: StreamSchema, query: str, target: Path, raw_formulas: bool = False
) -> str:
    """A COPY writing the rows of `query` to `target` as `fmt` (json as text where the format
    has no nested values, timestamps as ISO-8601 text in JSON lines and CSV; in CSV, text a
    spreadsheet would run as a formula neutralised unless `raw_formulas`).

    DuckDB's JSON and CSV writers run out of a small memory budget when fed straight from a
    JSON reader and a join; the sink therefore stages the merged rows as Parquet first
    (`staging_statement`) and converts that file, which streams in bounded memory."""
    outs = []
    for c in schema.to_columns():
        col = quote(c.name)
        escape = fmt == "csv" and not raw_formulas and c.type in ("text", "json")
        if c.type == "json" and fmt in ("parquet", "csv"):
            text = f"CAST({col} AS VARCHAR)"
            outs.append(f"{neutralise_sql(text) if escape else text} AS {col}")
        elif escape:
            outs.append(f"{neutralise_sql(col)} AS {col}")
        elif c.type == "timestamp" and fmt != "parquet":
            outs.append(f"strftime({col}, '{DUCKDB_ISO_FORMAT}') AS {col}")
        else:
            outs.append(col)
    options = {"parquet": PARQUET_OPTIONS, "jsonl": "FORMAT JSON"}.get(fmt, "FORMAT CSV, HEADER")
    return (
        f"COPY (SELECT {', '.join(outs)} FROM ({query})) TO {sql_literal(str(target))} ({options})"
    )


def staging_statement(query: str, staging: Path) -> str:
    """A COPY of the merged rows, in their DuckDB types, to a Parquet staging file."""
    return f"COPY ({query}) TO {sql_literal(str(staging))} ({PARQUET_OPTIONS})"


def _read_data(fmt: str, path: Path, file_types: Mapping[str, ColumnType]) -> str:
    """A reader of the stream's merged file, yielding columns in the file's own types
    (CSV: as text, converted in `_select`)."""
    if fmt == "parquet":
        return f"read_parquet({sql_literal(str(path))})"
    if fmt == "jsonl":
        spec = ", ".join(
            f"{sql_literal(n)}: {sql_literal(DUCKDB_TYPES[t])}" for n, t in file_types.items()
        )
        return (
            f"read_json({sql_literal(str(path))}, format='newline_delimited', columns={{{spec}}})"
        )
    spec = ", ".join(f"{sql_literal(n)}: 'VARCHAR'" for n in file_types)
    return (
        f"read_csv({sql_literal(str(path))}, header=true, allow_quoted_nulls=false, "
        f"delim=',', quote='\"', escape='\"', columns={{{spec}}})"
    )


def _select(
    reader: str,
    columns: list[tuple[str, ColumnType]],
    source_types: Mapping[str, ColumnType],
    seq: int | str,
    from_text: bool = False,
    restoring: bool = False,
) -> str:
    """One source (the merged file or a part) converted to the current column types.
    `from_text`: the reader yields every column as text (CSV) in `source_types`' format;
    `restoring`: its text was neutralised against formulas, and is restored."""
    exprs = []
    for name, target in columns:
        col = quote(name)
        src = source_types.get(name)
        if src is None:
            exprs.append(f"CAST(NULL AS {DUCKDB_TYPES[target]}) AS {col}")
            continue
        if restoring and src in ("text", "json"):
            col = restore_sql(col)
        if (from_text and src != "text") or src == "json":
            col = f"CAST({col} AS {DUCKDB_TYPES[src]})"
        expr = col if src == target else duckdb_widen(col, src, target)
        exprs.append(f"{expr} AS {quote(name)}")
    return f"SELECT {', '.join(exprs)}, {seq} AS {SEQ} FROM {reader}"
