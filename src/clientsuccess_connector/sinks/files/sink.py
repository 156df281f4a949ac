"""File destinations (jsonl, csv, parquet): one merged file per stream in a directory.

Layout of `DIR`:
    _cs_state.json            manifest: per stream its state, schema, primary key and the
                              committed part files; replacing it atomically is the commit point
    <stream>.<ext>            the merged rows (one per primary key), replaced atomically
    <stream>.schema.json      the stream's columns (a readable copy of the manifest's schema)
    _cs_parts/<stream>/N.parquet   batches committed since the last compaction
    _cs_lock                  held (flock) by the one process writing the destination
    _cs_rejects.jsonl         records that could not be stored, with the reason (if any)

Each batch becomes a Parquet part file; the manifest then lists it together with the new
state, in one atomic rename. Parts are merged into `<stream>.<ext>` (DuckDB, keeping the latest
row per key, bounded memory) on close and whenever many parts pile up. Reads merge the file and
the parts, so they always see every committed batch.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.sinks.atomic import atomic_write_bytes, commit_file
from clientsuccess_connector.sinks.base import (
    DELETED_AT,
    KEY_BATCH,
    REJECTS,
    SYNCED_AT,
    Column,
    ColumnType,
    DeleteMode,
)
from clientsuccess_connector.sinks.batch import ARROW_TYPES, load_json
from clientsuccess_connector.sinks.files.lock import DirectoryLock
from clientsuccess_connector.sinks.files.manifest import MANIFEST, Manifest
from clientsuccess_connector.sinks.files.merge import (
    TYPES_KEY,
    StreamFiles,
    copy_statement,
    merged_query,
    needs_dedupe,
    staging_statement,
    winners_statement,
)
from clientsuccess_connector.sinks.formulas import check_mode
from clientsuccess_connector.sinks.landing import BatchPlan, LandingSink
from clientsuccess_connector.sinks.naming import API
from clientsuccess_connector.sinks.sql import check_stream_name, quote, sql_literal
from clientsuccess_connector.sinks.storage import storage_errors
from clientsuccess_connector.sinks.stream_schema import StreamSchema
from clientsuccess_connector.sinks.versions import EVER

PARTS_DIR = "_cs_parts"
COMPACT_EVERY = 256
"""Merge parts into the stream's file once this many are pending (and always on close)."""
MAX_STREAM_NAME_BYTES = 200
"""Longest stream name (UTF-8) that leaves room for `.<stream>.schema.json.tmp` in a file name."""


def check_file_stream_name(stream: str) -> None:
    """Stream names become file and folder names: no dot names, no path parts."""
    check_stream_name(stream)
    if stream.startswith(".") or "\\" in stream or len(stream.encode()) > MAX_STREAM_NAME_BYTES:
        raise ConfigError(
            f"stream name {stream!r} cannot name a file in a file destination; pick a name "
            f"that does not start with '.', has no '/' or '\\', and is at most "
            f"{MAX_STREAM_NAME_BYTES} bytes"
        )


class FileSink(LandingSink):
    """Lands streams as `<stream>.jsonl|csv|parquet` files in a directory."""

    def __init__(
        self,
        directory: Path,
        url: str,
        fmt: str,
        memory_limit: str = "128MB",
        naming: str = API,
        formulas: str = "escape",
        *,
        read_only: bool = False,
    ) -> None:
        self.url = url
        self.raw_formulas = check_mode(formulas, url) == "raw"
        self.naming = naming
        self.format = fmt
        self.dir = directory
        self._read_only = read_only
        if read_only:
            self._open_read_only(memory_limit)
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            (self.dir / PARTS_DIR).mkdir(exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create destination directory {url}: {exc}") from None
        self._dir_lock = DirectoryLock(self.dir, url)
        try:
            self._open(memory_limit)
        except BaseException:
            self._dir_lock.release()
            raise

    def _open_read_only(self, memory_limit: str) -> None:
        """Look without changing a file: no folder made, no recovery, no compaction on close,
        DuckDB's spill files outside the folder; a shared lock keeps a sync from compacting
        away the parts being read."""
        self._dir_lock = DirectoryLock(self.dir, self.url, shared=True)
        try:
            self._open(memory_limit, recover=False)
            spill = f"clientsuccess-read-{os.getpid()}-{id(self)}"
            self._spill = Path(tempfile.gettempdir()) / spill
            self._con.execute(f"SET temp_directory = {sql_literal(str(self._spill))}")
        except BaseException:
            self._dir_lock.release()
            raise

    def _open(self, memory_limit: str, *, recover: bool = True) -> None:
        self._manifest = Manifest(self.dir)
        self._schemas: dict[str, StreamSchema] = {}
        self._lock = threading.RLock()
        self._closed = False
        self._written: set[str] = set()
        self._con = duckdb.connect()
        self._con.execute("SET TimeZone = 'UTC'")
        try:
            self._con.execute(f"SET memory_limit = {sql_literal(memory_limit)}")
        except duckdb.Error as exc:
            raise ConfigError(
                f"bad option in destination {self.url}: {str(exc).splitlines()[0]}; "
                "memory_limit takes a size such as 256MB"
            ) from None
        self._con.execute("SET preserve_insertion_order = false")
        self._con.execute("SET threads = 1")
        # The merge's semi join must build its hash table on the (key, seq) pairs; DuckDB may
        # otherwise flip it to build on whole rows and run out of memory on a large stream.
        self._con.execute("SET disabled_optimizers = 'build_side_probe_side'")
        self._con.execute(f"SET temp_directory = {sql_literal(str(self.dir / PARTS_DIR / '.tmp'))}")
        if recover:
            self._recover()

    def _recover(self) -> None:
        """Finish a compaction a crash interrupted; delete uncommitted part files and the
        destination's own temporary files (never anything else in the folder)."""
        for stream in self._manifest.names():
            pending = self._manifest.entry(stream).get("compacting")
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
            if not stream_dir.is_dir():
                continue
            committed = set(self._manifest.entry(stream_dir.name).get("parts", []))
            for part in stream_dir.iterdir():
                if not (part.suffix == ".parquet" and part.stem.isdigit()):
                    part.unlink()  # a temporary file of ours
                elif int(part.stem) not in committed:
                    part.unlink()
        own = [MANIFEST]
        for stream in self._manifest.names():
            own += [self._data_path(stream).name, f"{stream}.schema.json"]
        for name in own:
            (self.dir / f".{name}.tmp").unlink(missing_ok=True)

    # -- writing -------------------------------------------------------------------------
    def _check_name(self, stream: str) -> None:
        check_file_stream_name(stream)

    def _new_schema(self) -> StreamSchema:
        return StreamSchema(case_insensitive=True, naming=self.naming)

    def _commit(self, plan: BatchPlan, state: Mapping[str, Any] | None) -> BatchPlan:
        """Write the rows as a new part file, then commit it with the state by rewriting the
        manifest (rejects go to their own file first: a record set aside twice is harmless)."""
        stream, batch = plan.stream, plan.prepared
        if batch is None and state is None:
            return plan
        entry = self._manifest.entry(stream)
        if batch is not None and batch.rejects:
            self._store_rejects(batch.reject_rows(stream))
        if batch is not None and batch.rows:
            table = batch.to_arrow()
            now = datetime.now(UTC)
            table = table.append_column(
                SYNCED_AT, pa.array([now] * len(table), ARROW_TYPES["timestamp"])
            )
            number = int(entry.get("next_part", 1))
            self._write_part(stream, number, table, batch.types)
            entry.update(
                schema=batch.schema.to_json(),
                primary_key=list(batch.schema.primary_key),
                parts=[*entry.get("parts", []), number],
                next_part=number + 1,
            )
            if batch.newest is not None:
                entry["newest"] = batch.newest
            self._written.add(stream)
        elif batch is not None and plan.declares:
            entry.update(schema=batch.schema.to_json(),
                         primary_key=list(batch.schema.primary_key))  # fmt: skip
        if state is not None:
            entry.update(state=dict(state), updated_at=datetime.now(UTC).isoformat())
        self._manifest.put(stream, entry)
        return plan

    def _after_commit(self, plan: BatchPlan) -> None:
        self._write_schema_file(plan.stream)
        if len(self._manifest.entry(plan.stream).get("parts", [])) >= COMPACT_EVERY:
            self._compact(plan.stream)

    def _store_rejects(self, rows: list[tuple[str, str, str]]) -> None:
        """Append rejected records to `_cs_rejects.jsonl`, durably, before the batch commits
        (a crash in between may list a record twice, never lose one)."""
        now = datetime.now(UTC).isoformat()
        lines = b"".join(
            orjson.dumps({"stream": s, "reason": why, "record": rec, "rejected_at": now}) + b"\n"
            for s, why, rec in rows
        )
        with (self.dir / f"{REJECTS}.jsonl").open("ab") as fh:
            fh.write(lines)
            fh.flush()
            os.fsync(fh.fileno())

    def _write_part(
        self, stream: str, number: int, table: pa.Table, types: Mapping[str, ColumnType]
    ) -> None:
        folder = self.dir / PARTS_DIR / stream
        folder.mkdir(parents=True, exist_ok=True)
        all_types = {**types, SYNCED_AT: "timestamp"}
        table = table.replace_schema_metadata({TYPES_KEY: orjson.dumps(all_types)})
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
            "primary_key": schema.primary_key,
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

    def _files(self, stream: str) -> StreamFiles:
        entry = self._manifest.entry(stream)
        data = self._data_path(stream)
        file_types = entry.get("file_types") or {}
        folder = self.dir / PARTS_DIR / stream
        return StreamFiles(
            fmt=self.format,
            data=data if file_types and data.exists() else None,
            parts=[folder / f"{n:08d}.parquet" for n in entry.get("parts", [])],
            file_types=file_types,
            raw_formulas=self.raw_formulas,
            newest=entry.get("newest"),
            since=_since_literal(self.newest_since(stream)),
        )

    def _compact(self, stream: str, rewrite: Callable[[str], str] | None = None) -> None:
        """Merge the file and the pending parts into a new `<stream>.<ext>` (temp + rename),
        then drop the parts from the manifest. A crash in between is harmless: merging the
        same parts again over the new file gives the same rows. `rewrite` wraps the merged
        rows' query (a reconciliation marks or drops rows; it runs even without parts)."""
        entry = self._manifest.entry(stream)
        schema = self._load_schema(stream)
        if schema is None or not (entry.get("parts") or rewrite):
            return
        files = self._files(stream)
        target = self._data_path(stream)
        tmp = target.with_name(f".{target.name}.tmp")
        staging = self.dir / PARTS_DIR / stream / ".merge.parquet.tmp"
        staging.parent.mkdir(parents=True, exist_ok=True)
        winners = None
        if needs_dedupe(files, schema):
            winners = "_cs_winners"
            self._con.execute(winners_statement(files, schema, winners))
        try:
            query = merged_query(files, schema, winners)
            self._con.execute(staging_statement(rewrite(query) if rewrite else query, staging))
            merged = f"SELECT * FROM read_parquet({sql_literal(str(staging))})"
            self._con.execute(copy_statement(self.format, schema, merged, tmp, self.raw_formulas))
        except BaseException:
            tmp.unlink(missing_ok=True)  # a half-written file would hold on to a full disk
            raise
        finally:
            staging.unlink(missing_ok=True)
            self._con.execute("DROP TABLE IF EXISTS _cs_winners")
        file_types = {c.name: c.type for c in schema.to_columns()}
        pending = {"file_types": file_types, "parts": entry.get("parts", [])}
        self._manifest.put(stream, {**entry, "compacting": pending})
        commit_file(tmp, target)
        self._finish_compaction(stream, pending)

    def _finish_compaction(self, stream: str, pending: Mapping[str, Any]) -> None:
        """Record the merged file's types, drop the parts it absorbed, delete their files."""
        entry = self._manifest.entry(stream)
        entry.pop("compacting", None)
        absorbed = set(pending["parts"])
        entry["parts"] = [p for p in entry.get("parts", []) if p not in absorbed]
        entry["file_types"] = pending["file_types"]
        self._manifest.put(stream, entry)
        folder = self.dir / PARTS_DIR / stream
        for number in absorbed:
            (folder / f"{number:08d}.parquet").unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # still holds parts written since: keep it
            folder.rmdir()

    def reconcile(self, stream: str, written_since: datetime, mode: DeleteMode) -> int:
        check_file_stream_name(stream)
        with self._lock, storage_errors(f"destination {self.url}"):
            schema = self._load_schema(stream)
            if schema is None:
                return 0
            if mode == "soft" and not schema.soft_deletes:  # the column, even if none is gone
                schema = schema.copy()
                schema.soft_deletes = True
                self._manifest.put(stream, {**self._manifest.entry(stream),
                                            "schema": schema.to_json()})  # fmt: skip
                self._schemas[stream] = schema
                self._write_schema_file(stream)
            self._compact(stream)  # one file: counted by a plain scan, in bounded memory
            synced, deleted = quote(SYNCED_AT), quote(DELETED_AT)
            gone = f"{synced} < CAST({sql_literal(written_since.isoformat())} AS TIMESTAMPTZ)"
            if mode == "soft":
                gone += f" AND {deleted} IS NULL"
            query = merged_query(self._files(stream), schema)
            row = self._con.execute(f"SELECT count(*) FROM ({query}) WHERE {gone}").fetchone()
            count = int(row[0]) if row else 0
            if count == 0:
                return 0
            if mode == "hard":
                self._compact(stream, lambda rows: f"SELECT * FROM ({rows}) WHERE NOT ({gone})")
            else:
                now = f"CAST({sql_literal(datetime.now(UTC).isoformat())} AS TIMESTAMPTZ)"
                mark = f"CASE WHEN {gone} THEN {now} ELSE {deleted} END AS {deleted}"
                self._compact(stream, lambda rows: f"SELECT * REPLACE ({mark}) FROM ({rows})")
            return count

    def stale_rows(self, stream: str, written_since: datetime) -> tuple[int, int]:
        check_file_stream_name(stream)
        with self._lock, storage_errors(f"destination {self.url}"):
            schema = self._load_schema(stream)
            if schema is None:
                return 0, 0
            live = f"{quote(DELETED_AT)} IS NULL" if schema.soft_deletes else "true"
            since = f"CAST({sql_literal(written_since.isoformat())} AS TIMESTAMPTZ)"
            query = merged_query(self._files(stream), schema)
            row = self._con.execute(
                f"SELECT count(*) FILTER (WHERE {quote(SYNCED_AT)} < {since}), count(*) "
                f"FROM ({query}) WHERE {live}"
            ).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    # -- state ---------------------------------------------------------------------------
    def get_state(self, stream: str) -> dict[str, Any] | None:
        with self._lock:
            state = self._manifest.entry(stream).get("state")
        return dict(state) if isinstance(state, dict) else None

    def set_state(self, stream: str, state: Mapping[str, Any]) -> None:
        self.write_batch(stream, [], [], state)

    def forget(self, stream: str) -> None:
        with self._lock, storage_errors(f"destination {self.url}"):
            if self._manifest.entry(stream):
                self._manifest.put(stream, {})
            shutil.rmtree(self.dir / PARTS_DIR / stream, ignore_errors=True)
            self._schemas.pop(stream, None)

    def missing(self, stream: str) -> str | None:
        with self._lock:
            entry = self._manifest.entry(stream)
            files = self._files(stream)
            if entry.get("file_types") and files.data is None:
                return f"its file {self._data_path(stream).name} is gone from {self.dir}"
            if any(not part.exists() for part in files.parts):
                return f"part files of {stream!r} are gone from {self.dir / PARTS_DIR}"
        return None

    # -- reading -------------------------------------------------------------------------
    def _load_schema(self, stream: str) -> StreamSchema | None:
        cached = self._schemas.get(stream)
        if cached is None:
            cached = self._manifest.schema(stream)
            if cached is not None:
                cached.naming = self.naming
                self._schemas[stream] = cached
        return cached

    def schema(self, stream: str) -> list[Column]:
        with self._lock:
            return self._require(stream).to_columns()

    def streams(self) -> list[str]:
        with self._lock:
            return self._manifest.streams()

    def row_count(self, stream: str) -> int:
        with self._lock:
            query = merged_query(self._files(stream), self._require(stream))
            row = self._con.execute(f"SELECT count(*) FROM ({query})").fetchone()
        return int(row[0]) if row else 0

    def read_rejects(self, stream: str) -> list[tuple[str, dict[str, Any]]]:
        path = self.dir / f"{REJECTS}.jsonl"
        if not path.exists():
            return []
        lines = [orjson.loads(line) for line in path.read_bytes().splitlines() if line]
        return [(e["reason"], load_json(e["record"])) for e in lines if e["stream"] == stream]

    def read_rows(self, stream: str, limit: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            schema = self._require(stream)
            query = merged_query(self._files(stream), schema)
            pk = schema.primary_key
            order = f" ORDER BY {', '.join(quote(k) for k in pk)}" if pk else ""
            order += f" LIMIT {int(limit)}" if limit is not None else ""
            cur = self._con.execute(f"SELECT * FROM ({query}){order}")
            names = [d[0] for d in cur.description]
            rows = cur.fetchall()
        json_cols = [c.name for c in schema.columns.values() if c.effective_type == "json"]
        out = []
        for row in rows:
            record = dict(zip(names, row, strict=True))
            for name in json_cols:
                if record[name] is not None:
                    record[name] = load_json(record[name])
            out.append(record)
        return out

    def _scan(self, stream: str, columns: Sequence[str]) -> Iterator[Sequence[Sequence[Any]]]:
        with self._lock:
            query = merged_query(self._files(stream), self._require(stream))
            cursor = self._con.cursor()  # its own result: other calls do not cut it short
        try:
            cursor.execute(f"SELECT {', '.join(map(quote, columns))} FROM ({query})")
            while rows := cursor.fetchmany(KEY_BATCH):
                yield rows
        finally:
            cursor.close()

    def compact(self, streams: list[str] | None = None) -> None:
        """Merge pending parts into the streams' files now (default: every stream)."""
        with self._lock:
            for stream in self.streams() if streams is None else streams:
                self._compact(stream)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            if self._read_only:
                self._closed = True
                with contextlib.suppress(duckdb.Error):
                    self._con.close()
                shutil.rmtree(self._spill, ignore_errors=True)
                self._dir_lock.release()
                return
            # Parts an earlier run committed but could not merge (a full disk) are merged now
            # too: until then the output file lacks rows the state says are stored.
            pending = {s for s in self._manifest.names() if self._manifest.entry(s).get("parts")}
            try:
                with storage_errors(f"destination {self.url}"):
                    self.compact(sorted(self._written | pending))
            finally:
                self._closed = True
                with contextlib.suppress(duckdb.Error):
                    self._con.close()
                shutil.rmtree(self.dir / PARTS_DIR / ".tmp", ignore_errors=True)
                with contextlib.suppress(OSError):  # only when no parts are pending
                    (self.dir / PARTS_DIR).rmdir()
                self._dir_lock.release()


def _since_literal(since: datetime | None) -> str:
    """`since` as a DuckDB TIMESTAMPTZ literal (EVER when None)."""
    if since is None:
        return EVER
    return f"{sql_literal(since.isoformat())}::TIMESTAMPTZ"
