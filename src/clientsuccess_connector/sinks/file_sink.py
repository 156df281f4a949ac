"""File destinations (jsonl, csv, parquet): one merged file per stream in a directory.

Layout of `DIR`:
    _cs_state.json            manifest: per stream its state, schema, primary key and the
                              committed part files; replacing it atomically is the commit point
    <stream>.<ext>            the merged rows (one per primary key), replaced atomically
    <stream>.schema.json      the stream's columns (a readable copy of the manifest's schema)
    _cs_parts/<stream>/N.parquet   batches committed since the last compaction

Each batch becomes a Parquet part file; the manifest then lists it together with the new
state, in one atomic rename. Parts are merged into `<stream>.<ext>` (DuckDB, keeping the latest
row per key, bounded memory) on close and whenever many parts pile up. Reads merge the file and
the parts, so they always see every committed batch.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from clientsuccess_connector.errors import ConfigError, DataError
from clientsuccess_connector.sinks.atomic import atomic_write_bytes, commit_file
from clientsuccess_connector.sinks.base import SYNCED_AT, Column, ColumnType, Sink
from clientsuccess_connector.sinks.batch import ARROW_TYPES, prepare_batch
from clientsuccess_connector.sinks.duckdb_sink import ISO_FORMAT, widen_expression
from clientsuccess_connector.sinks.sql import DUCKDB_TYPES, check_stream_name, quote, sql_literal
from clientsuccess_connector.sinks.stream_schema import StreamSchema

MANIFEST = "_cs_state.json"
PARTS_DIR = "_cs_parts"
COMPACT_EVERY = 256
"""Merge parts into the stream's file once this many are pending (and always on close)."""
_TYPES_KEY = b"cs_types"


class FileSink(Sink):
    """Lands streams as `<stream>.jsonl|csv|parquet` files in a directory."""

    def __init__(self, directory: Path, url: str, fmt: str, memory_limit: str = "128MB") -> None:
        self.url = url
        self.format = fmt
        self.dir = directory
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            (self.dir / PARTS_DIR).mkdir(exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create destination directory {url}: {exc}") from None
        self._manifest: dict[str, Any] = self._load_manifest()
        self._schemas: dict[str, StreamSchema] = {}
        self._lock = threading.RLock()
        self._closed = False
        self._written: set[str] = set()
        self._con = duckdb.connect()
        self._con.execute("SET TimeZone = 'UTC'")
        self._con.execute(f"SET memory_limit = {sql_literal(memory_limit)}")
        self._con.execute("SET preserve_insertion_order = false")
        self._con.execute("SET threads = 1")
        self._con.execute(f"SET temp_directory = {sql_literal(str(self.dir / PARTS_DIR / '.tmp'))}")
        self._recover()

    # -- manifest ------------------------------------------------------------------------
    def _load_manifest(self) -> dict[str, Any]:
        path = self.dir / MANIFEST
        if not path.exists():
            return {"version": 1, "streams": {}}
        try:
            data = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise DataError(f"{path} is not valid JSON ({exc}); restore or delete it") from None
        data.setdefault("streams", {})
        return data  # type: ignore[no-any-return]

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        atomic_write_bytes(self.dir / MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
        self._manifest = manifest

    def _recover(self) -> None:
        """Finish a compaction a crash interrupted; delete uncommitted part files."""
        for stream, entry in list(self._manifest["streams"].items()):
            pending = entry.get("compacting")
            if pending is not None:
                target = self._data_path(stream)
                tmp = target.with_name(f".{target.name}.tmp")
                if tmp.exists():
                    commit_file(tmp, target)
                self._finish_compaction(stream, pending)
        for stream_dir in (self.dir / PARTS_DIR).iterdir():
            if stream_dir.name == ".tmp":
                shutil.rmtree(stream_dir, ignore_errors=True)
                continue
            committed = set(self._manifest["streams"].get(stream_dir.name, {}).get("parts", []))
            for part in stream_dir.iterdir():
                if part.suffix != ".parquet" or int(part.stem) not in committed:
                    part.unlink()
        for tmp in self.dir.glob(".*.tmp"):
            tmp.unlink()

    def _entry(self, stream: str) -> dict[str, Any]:
        return dict(self._manifest["streams"].get(stream, {}))

    # -- writing -------------------------------------------------------------------------
    def write_batch(
        self,
        stream: str,
        records: Sequence[Mapping[str, Any]],
        primary_key: Sequence[str],
        state: Mapping[str, Any] | None = None,
    ) -> int:
        check_stream_name(stream)
        with self._lock:
            entry = self._entry(stream)
            rows = 0
            if records:
                base = self._load_schema(stream) or StreamSchema(case_insensitive=True)
                batch = prepare_batch(base, records, primary_key, stream)
                table = batch.to_arrow()
                now = datetime.now(UTC)
                table = table.append_column(
                    SYNCED_AT, pa.array([now] * len(table), ARROW_TYPES["timestamp"])
                )
                number = int(entry.get("next_part", 1))
                self._write_part(stream, number, table, batch.types)
                entry.update(
                    schema=batch.schema.to_json(),
                    primary_key=list(batch.primary_key),
                    parts=[*entry.get("parts", []), number],
                    next_part=number + 1,
                )
                rows = batch.rows
                self._written.add(stream)
            if state is not None:
                entry.update(state=dict(state), updated_at=datetime.now(UTC).isoformat())
            if not records and state is None:
                return 0
            self._put_entry(stream, entry)
            if records:
                self._schemas[stream] = batch.schema
                self._write_schema_file(stream)
                if len(entry["parts"]) >= COMPACT_EVERY:
                    self._compact(stream)
            return rows

    def _write_part(
        self, stream: str, number: int, table: pa.Table, types: Mapping[str, ColumnType]
    ) -> None:
        folder = self.dir / PARTS_DIR / stream
        folder.mkdir(parents=True, exist_ok=True)
        all_types = {**types, SYNCED_AT: "timestamp"}
        meta = {_TYPES_KEY: orjson.dumps(all_types)}
        table = table.replace_schema_metadata(meta)
        path = folder / f"{number:08d}.parquet"
        tmp = folder / f".{number:08d}.parquet.tmp"
        pq.write_table(table, tmp)
        commit_file(tmp, path)

    def _write_schema_file(self, stream: str) -> None:
        schema = self._load_schema(stream)
        if schema is None:
            return
        doc = {
            "stream": stream,
            "primary_key": self._entry(stream).get("primary_key", []),
            "columns": [
                {"name": c.name, "type": c.type, "nullable": c.nullable}
                for c in schema.to_columns()
            ],
        }
        path = self.dir / f"{stream}.schema.json"
        atomic_write_bytes(path, orjson.dumps(doc, option=orjson.OPT_INDENT_2))

    # -- merging -------------------------------------------------------------------------
    def _data_path(self, stream: str) -> Path:
        return self.dir / f"{stream}.{self.format}"

    def _merged_query(self, stream: str, schema: StreamSchema) -> str:
        """SQL selecting the stream's rows (latest per key) in the current schema's types;
        json columns as JSON, timestamps as TIMESTAMPTZ."""
        columns = [(c.name, c.type) for c in schema.to_columns()]
        sources: list[str] = []
        data = self._data_path(stream)
        file_types = self._entry(stream).get("file_types")
        if file_types and data.exists():
            reader = self._read_data(data, file_types)
            sources.append(
                self._select(reader, columns, file_types, 0, from_text=self.format == "csv")
            )
        parts_dir = self.dir / PARTS_DIR / stream
        # Parts with the same column types are read by one scan (the part number, from the file
        # name, orders them); a schema change starts a new group.
        groups: dict[bytes, list[Path]] = {}
        for number in self._entry(stream).get("parts", []):
            part = parts_dir / f"{number:08d}.parquet"
            meta = pq.read_schema(part).metadata or {}
            groups.setdefault(meta.get(_TYPES_KEY, b"{}"), []).append(part)
        for types_json, paths in groups.items():
            files = ", ".join(sql_literal(str(p)) for p in paths)
            reader = f"read_parquet([{files}], filename = true)"
            seq = r"CAST(regexp_extract(filename, '(\d+)\.parquet$', 1) AS BIGINT)"
            sources.append(self._select(reader, columns, orjson.loads(types_json), seq))
        names = ", ".join(quote(n) for n, _ in columns)
        if not sources:
            empty = ", ".join(f"CAST(NULL AS {DUCKDB_TYPES[t]}) AS {quote(n)}" for n, t in columns)
            return f"SELECT {empty} WHERE false"
        union = " UNION ALL ".join(sources)
        pk = [c.name for c in schema.columns.values() if not c.nullable]
        file_count = len(self._entry(stream).get("parts", []))
        if file_types and data.exists():
            file_count += 1
        if not pk or file_count == 1:  # one file: its keys are already unique
            return f"SELECT {names} FROM ({union})"
        # Latest row per key in bounded memory: aggregate only (key, seq), then stream every
        # row through a semi join against it (a window over whole rows would hold them all).
        keys = ", ".join(quote(k) for k in pk)
        match = " AND ".join(f"u.{quote(k)} IS NOT DISTINCT FROM k.{quote(k)}" for k in pk)
        return (
            f"WITH u AS NOT MATERIALIZED ({union}), "
            f"k AS (SELECT {keys}, max(_cs_seq) AS _cs_max FROM u GROUP BY {keys}) "
            f"SELECT {', '.join('u.' + quote(n) for n, _ in columns)} FROM u SEMI JOIN k "
            f"ON {match} AND u._cs_seq = k._cs_max"
        )

    def _read_data(self, path: Path, file_types: Mapping[str, ColumnType]) -> str:
        """A reader of the stream's merged file, yielding columns in the file's own types
        (CSV: as text, converted in `_select`)."""
        if self.format == "parquet":
            return f"read_parquet({sql_literal(str(path))})"
        if self.format == "jsonl":
            spec = ", ".join(
                f"{sql_literal(n)}: {sql_literal(DUCKDB_TYPES[t])}" for n, t in file_types.items()
            )
            return (
                f"read_json({sql_literal(str(path))}, format='newline_delimited', "
                f"columns={{{spec}}})"
            )
        spec = ", ".join(f"{sql_literal(n)}: 'VARCHAR'" for n in file_types)
        return (
            f"read_csv({sql_literal(str(path))}, header=true, allow_quoted_nulls=false, "
            f"delim=',', quote='\"', escape='\"', columns={{{spec}}})"
        )

    def _select(
        self,
        reader: str,
        columns: list[tuple[str, ColumnType]],
        source_types: Mapping[str, ColumnType],
        seq: int | str,
        from_text: bool = False,
    ) -> str:
        """One source (the merged file or a part) converted to the current column types.
        `from_text`: the reader yields every column as text (CSV) in `source_types`' format."""
        exprs = []
        for name, target in columns:
            col = quote(name)
            src = source_types.get(name)
            if src is None:
                exprs.append(f"CAST(NULL AS {DUCKDB_TYPES[target]}) AS {col}")
                continue
            if (from_text and src != "text") or src == "json":
                col = f"CAST({col} AS {DUCKDB_TYPES[src]})"
            expr = col if src == target else widen_expression(col, src, target)
            exprs.append(f"{expr} AS {quote(name)}")
        return f"SELECT {', '.join(exprs)}, {seq} AS _cs_seq FROM {reader}"

    def _compact(self, stream: str) -> None:
        """Merge the file and the pending parts into a new `<stream>.<ext>` (temp + rename),
        then drop the parts from the manifest. A crash in between is harmless: merging the
        same parts again over the new file gives the same rows."""
        entry = self._entry(stream)
        schema = self._load_schema(stream)
        if schema is None or not entry.get("parts"):
            return
        query = self._merged_query(stream, schema)
        target = self._data_path(stream)
        tmp = target.with_name(f".{target.name}.tmp")
        columns = schema.to_columns()
        if self.format == "parquet":
            outs = [
                f"CAST({quote(c.name)} AS VARCHAR) AS {quote(c.name)}"
                if c.type == "json"
                else quote(c.name)
                for c in columns
            ]
            options = "FORMAT PARQUET"
        else:
            outs = [
                f"strftime({quote(c.name)}, '{ISO_FORMAT}') AS {quote(c.name)}"
                if c.type == "timestamp"
                else (
                    f"CAST({quote(c.name)} AS VARCHAR) AS {quote(c.name)}"
                    if c.type == "json" and self.format == "csv"
                    else quote(c.name)
                )
                for c in columns
            ]
            options = "FORMAT JSON" if self.format == "jsonl" else "FORMAT CSV, HEADER"
        self._con.execute(
            f"COPY (SELECT {', '.join(outs)} FROM ({query})) TO {sql_literal(str(tmp))} ({options})"
        )
        pending = {"file_types": {c.name: c.type for c in columns}, "parts": entry["parts"]}
        self._put_entry(stream, {**entry, "compacting": pending})
        commit_file(tmp, target)
        self._finish_compaction(stream, pending)

    def _finish_compaction(self, stream: str, pending: Mapping[str, Any]) -> None:
        """Record the merged file's types, drop the parts it absorbed, delete their files."""
        entry = self._entry(stream)
        entry.pop("compacting", None)
        absorbed = set(pending["parts"])
        entry["parts"] = [p for p in entry.get("parts", []) if p not in absorbed]
        entry["file_types"] = pending["file_types"]
        self._put_entry(stream, entry)
        folder = self.dir / PARTS_DIR / stream
        for number in absorbed:
            (folder / f"{number:08d}.parquet").unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # still holds parts written since: keep it
            folder.rmdir()

    def _put_entry(self, stream: str, entry: dict[str, Any]) -> None:
        self._write_manifest(
            {**self._manifest, "streams": {**self._manifest["streams"], stream: entry}}
        )

    # -- state ---------------------------------------------------------------------------
    def get_state(self, stream: str) -> dict[str, Any] | None:
        with self._lock:
            state = self._entry(stream).get("state")
        return dict(state) if isinstance(state, dict) else None

    def set_state(self, stream: str, state: Mapping[str, Any]) -> None:
        self.write_batch(stream, [], [], state)

    # -- reading -------------------------------------------------------------------------
    def _load_schema(self, stream: str) -> StreamSchema | None:
        cached = self._schemas.get(stream)
        if cached is not None:
            return cached
        rows = self._entry(stream).get("schema")
        if rows is None:
            return None
        schema = StreamSchema.from_json(rows, case_insensitive=True)
        self._schemas[stream] = schema
        return schema

    def schema(self, stream: str) -> list[Column]:
        with self._lock:
            return self._require(stream).to_columns()

    def streams(self) -> list[str]:
        with self._lock:
            return sorted(s for s, e in self._manifest["streams"].items() if "schema" in e)

    def row_count(self, stream: str) -> int:
        with self._lock:
            query = self._merged_query(stream, self._require(stream))
            row = self._con.execute(f"SELECT count(*) FROM ({query})").fetchone()
        return int(row[0]) if row else 0

    def read_rows(self, stream: str) -> list[dict[str, Any]]:
        with self._lock:
            schema = self._require(stream)
            query = self._merged_query(stream, schema)
            pk = [c.name for c in schema.columns.values() if not c.nullable]
            order = f" ORDER BY {', '.join(quote(k) for k in pk)}" if pk else ""
            cur = self._con.execute(f"SELECT * FROM ({query}){order}")
            names = [d[0] for d in cur.description]
            rows = cur.fetchall()
        json_cols = [c.name for c in schema.columns.values() if c.effective_type == "json"]
        out = []
        for row in rows:
            record = dict(zip(names, row, strict=True))
            for name in json_cols:
                if record[name] is not None:
                    record[name] = orjson.loads(record[name])
            out.append(record)
        return out

    def compact(self, streams: list[str] | None = None) -> None:
        """Merge pending parts into the streams' files now (default: every stream)."""
        with self._lock:
            for stream in self.streams() if streams is None else streams:
                self._compact(stream)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            try:
                self.compact(sorted(self._written))
            finally:
                self._closed = True
                with contextlib.suppress(duckdb.Error):
                    self._con.close()
                shutil.rmtree(self.dir / PARTS_DIR / ".tmp", ignore_errors=True)
                with contextlib.suppress(OSError):  # only when no parts are pending
                    (self.dir / PARTS_DIR).rmdir()
