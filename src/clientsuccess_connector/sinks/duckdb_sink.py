"""DuckDB destination: one table per stream, batches loaded column-wise through Arrow and
merged in SQL (DELETE the batch's keys, INSERT BY NAME), all in one transaction."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson

from clientsuccess_connector.errors import ConfigError, DestinationUnavailable
from clientsuccess_connector.sinks.base import (
    DELETED_AT,
    KEY_BATCH,
    REJECTS,
    SYNCED_AT,
    Column,
    DeleteMode,
)
from clientsuccess_connector.sinks.batch import Change, PreparedBatch, load_json
from clientsuccess_connector.sinks.landing import BatchPlan, LandingSink
from clientsuccess_connector.sinks.naming import API
from clientsuccess_connector.sinks.sql import (
    DUCKDB_TYPES,
    check_stream_name,
    duckdb_widen,
    quote,
    sql_literal,
)
from clientsuccess_connector.sinks.storage import storage_errors
from clientsuccess_connector.sinks.stream_schema import StreamSchema
from clientsuccess_connector.sinks.versions import EVER, older_than_stored

_META_DDL = (
    "CREATE TABLE IF NOT EXISTS _cs_state ("
    " stream VARCHAR PRIMARY KEY, state JSON, updated_at TIMESTAMPTZ NOT NULL)",
    'CREATE TABLE IF NOT EXISTS _cs_schema (stream VARCHAR NOT NULL, "column" VARCHAR NOT NULL,'
    " type VARCHAR NOT NULL, nullable BOOLEAN NOT NULL, position INTEGER NOT NULL,"
    " known BOOLEAN NOT NULL, key VARCHAR NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {REJECTS} (stream VARCHAR NOT NULL, reason VARCHAR NOT NULL,"
    " record VARCHAR NOT NULL, rejected_at TIMESTAMPTZ NOT NULL)",
)
_BATCH_VIEW = "_cs_batch"
DEFAULT_MEMORY_LIMIT = "96MB"
"""DuckDB's buffer budget: keeps a 1M-record sync well under 300 MB RSS (override with
`?memory_limit=` in the URL)."""
CHECKPOINT_THRESHOLD = "256MB"
"""WAL size that triggers a checkpoint; DuckDB's 16 MB default checkpoints every few batches,
which costs more than the batch itself on a bulk load."""


class DuckDBSink(LandingSink):
    """Lands streams in a DuckDB database file (created with its parent directories)."""

    def __init__(
        self,
        path: Path | str,
        url: str,
        memory_limit: str | None = DEFAULT_MEMORY_LIMIT,
        read_only: bool = False,
        naming: str = API,
    ) -> None:
        self.url = url
        self.naming = naming
        target = str(path)
        if target != ":memory:" and not read_only:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(target, read_only=read_only)
        except duckdb.Error as exc:
            error = DestinationUnavailable if "lock" in str(exc).lower() else ConfigError
            raise error(
                f"cannot open destination {url}: {str(exc).splitlines()[0]}; check the path "
                "and that no other process is writing to it"
            ) from None
        self._con.execute("SET TimeZone = 'UTC'")
        try:
            if memory_limit:
                self._con.execute(f"SET memory_limit = {sql_literal(memory_limit)}")
            self._con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
            self._con.execute("SET preserve_insertion_order = false")
        except duckdb.Error as exc:
            self._con.close()
            raise ConfigError(
                f"bad option in destination {url}: {str(exc).splitlines()[0]}; "
                "memory_limit takes a size such as 256MB"
            ) from None
        if not read_only:
            for ddl in _META_DDL:
                self._con.execute(ddl)
        elif "_cs_schema" not in self._all_tables():
            self._con.close()
            raise ConfigError(
                f"{url} holds no synced streams (no _cs_schema table); check --destination"
            )
        self._schemas: dict[str, StreamSchema] = {}
        self._lock = threading.RLock()
        self._closed = False

    # -- writing -------------------------------------------------------------------------
    def _check_name(self, stream: str) -> None:
        check_stream_name(stream)

    def _new_schema(self) -> StreamSchema:
        return StreamSchema(case_insensitive=True, naming=self.naming)

    def _commit(self, plan: BatchPlan, state: Mapping[str, Any] | None) -> BatchPlan:
        con, prepared = self._con, plan.prepared
        con.execute("BEGIN TRANSACTION")
        try:
            if prepared is not None and plan.writes:
                self._apply_schema(plan.stream, prepared, plan.stored is not None)
                self._merge(plan.stream, prepared)
            if prepared is not None and prepared.rejects:
                con.executemany(
                    f"INSERT INTO {REJECTS} VALUES (?, ?, ?, ?)",
                    [[*row, datetime.now(UTC)] for row in prepared.reject_rows(plan.stream)],
                )
            if state is not None:
                self._store_state(plan.stream, state)
            con.execute("COMMIT")
        except BaseException:
            # A COMMIT that failed (a full disk) has already ended the transaction: the
            # error worth showing is the first one, not "no transaction is active".
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        finally:
            if prepared is not None and prepared.rows:
                con.unregister(_BATCH_VIEW)
        return plan

    def _apply_schema(self, stream: str, batch: PreparedBatch, exists: bool) -> None:
        table = quote(stream)
        if not exists:
            cols = [
                f"{quote(c.name)} {DUCKDB_TYPES[c.effective_type]}"
                + (" NOT NULL" if batch.schema.is_key(c.name) else "")
                for c in batch.schema.columns.values()
            ]
            cols.append(f"{quote(SYNCED_AT)} TIMESTAMPTZ NOT NULL")
            self._con.execute(f"CREATE TABLE {table} ({', '.join(cols)})")
        else:
            for change in batch.changes:
                self._con.execute(self._alter_sql(table, change))
        if batch.changes:
            self._store_schema(stream, batch.schema)

    @staticmethod
    def _alter_sql(table: str, change: Change) -> str:
        col = quote(change.column)
        if change.old is None:
            return f"ALTER TABLE {table} ADD COLUMN {col} {DUCKDB_TYPES[change.new]}"
        using = duckdb_widen(col, change.old, change.new)
        return f"ALTER TABLE {table} ALTER {col} TYPE {DUCKDB_TYPES[change.new]} USING {using}"

    def _merge(self, stream: str, batch: PreparedBatch) -> None:
        con = self._con
        table = quote(stream)
        now = datetime.now(UTC)
        con.register(_BATCH_VIEW, batch.to_arrow())
        source = _BATCH_VIEW
        if batch.primary_key:
            match = " AND ".join(f"t.{quote(k)} = b.{quote(k)}" for k in batch.primary_key)
            # Delete only the rows whose key is already stored: a DELETE touches every row
            # group its keys fall in, and keys arriving out of order (sorted by time, not id)
            # would make every batch rewrite the whole table (4x slower, 2.5x the memory).
            # The semi join that finds them only reads the key columns.
            keys = ", ".join(quote(k) for k in batch.primary_key)
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _cs_existing AS SELECT {keys} FROM {_BATCH_VIEW} "
                f"AS b SEMI JOIN {table} AS t ON {match}"
            )
            if con.execute("SELECT count(*) FROM _cs_existing").fetchone() != (0,):
                if batch.newest is not None:
                    source = self._skip_older(stream, batch, match, now)
                con.execute(f"DELETE FROM {table} AS t USING _cs_existing AS b WHERE {match}")
        con.execute(
            f"INSERT INTO {table} BY NAME SELECT *, $1::TIMESTAMPTZ AS {quote(SYNCED_AT)} "
            f"FROM {source}",
            [now],
        )

    def _skip_older(self, stream: str, batch: PreparedBatch, match: str, now: datetime) -> str:
        """Rows of the batch older than the version of their record this run stored only
        mark that row as written now (and not deleted), and leave `_cs_existing` so that it
        stays; the relation of the other rows is returned (sinks/versions.py)."""
        assert batch.newest is not None
        con, table = self._con, quote(stream)
        newest = quote(batch.newest)
        since = self.newest_since(stream)
        older = older_than_stored(
            f"t.{newest}", f"b.{newest}", f"t.{quote(SYNCED_AT)}",
            EVER if since is None else "$1::TIMESTAMPTZ",
        )  # fmt: skip
        keys = ", ".join(f"b.{quote(k)}" for k in batch.primary_key)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _cs_older AS SELECT {keys} FROM {_BATCH_VIEW} AS b "
            f"JOIN {table} AS t ON {match} WHERE {older}",
            [] if since is None else [since],
        )
        if con.execute("SELECT count(*) FROM _cs_older").fetchone() == (0,):
            return _BATCH_VIEW
        marks = [f"{quote(SYNCED_AT)} = $1::TIMESTAMPTZ"]
        if batch.schema.soft_deletes:
            marks.append(f"{quote(DELETED_AT)} = NULL")
        con.execute(
            f"UPDATE {table} AS t SET {', '.join(marks)} FROM _cs_older AS b WHERE {match}",
            [now],
        )
        con.execute(f"DELETE FROM _cs_existing AS t USING _cs_older AS b WHERE {match}")
        return f"(SELECT * FROM {_BATCH_VIEW} AS b ANTI JOIN _cs_older AS t ON {match})"

    def reconcile(self, stream: str, written_since: datetime, mode: DeleteMode) -> int:
        check_stream_name(stream)
        with self._lock, storage_errors(f"destination {self.url}"):
            current = self._load_schema(stream)
            if current is None:
                return 0
            table, synced, deleted = quote(stream), quote(SYNCED_AT), quote(DELETED_AT)
            schema = current.copy()
            con = self._con
            con.execute("BEGIN TRANSACTION")
            try:
                if mode == "hard":
                    sql = f"DELETE FROM {table} WHERE {synced} < $1"
                    params: list[Any] = [written_since]
                else:
                    if not schema.soft_deletes:
                        con.execute(f"ALTER TABLE {table} ADD COLUMN {deleted} TIMESTAMPTZ")
                        schema.soft_deletes = True
                        self._store_schema(stream, schema)
                    sql = (
                        f"UPDATE {table} SET {deleted} = $2 "
                        f"WHERE {synced} < $1 AND {deleted} IS NULL"
                    )
                    params = [written_since, datetime.now(UTC)]
                row = con.execute(sql, params).fetchone()
                con.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(duckdb.Error):  # a failed COMMIT ended it already
                    con.execute("ROLLBACK")
                raise
            self._schemas[stream] = schema
            return int(row[0]) if row else 0

    def stale_rows(self, stream: str, written_since: datetime) -> tuple[int, int]:
        check_stream_name(stream)
        with self._lock, storage_errors(f"destination {self.url}"):
            current = self._load_schema(stream)
            if current is None:
                return 0, 0
            live = f"{quote(DELETED_AT)} IS NULL" if current.soft_deletes else "true"
            row = self._con.execute(
                f"SELECT count(*) FILTER (WHERE {quote(SYNCED_AT)} < $1), count(*) "
                f"FROM {quote(stream)} WHERE {live}",
                [written_since],
            ).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def _store_schema(self, stream: str, schema: StreamSchema) -> None:
        self._con.execute("DELETE FROM _cs_schema WHERE stream = ?", [stream])
        rows = [
            [stream, r["column"], r["type"], r["nullable"], r["position"], r["known"], r["key"]]
            for r in schema.to_json()
        ]
        if rows:
            self._con.executemany("INSERT INTO _cs_schema VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def _store_state(self, stream: str, state: Mapping[str, Any]) -> None:
        self._con.execute(
            "INSERT OR REPLACE INTO _cs_state VALUES (?, ?, ?)",
            [stream, orjson.dumps(dict(state)).decode(), datetime.now(UTC)],
        )

    # -- state ---------------------------------------------------------------------------
    def get_state(self, stream: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._con.execute(
                "SELECT state FROM _cs_state WHERE stream = ?", [stream]
            ).fetchone()
        if row is None or row[0] is None:
            return None
        value = orjson.loads(row[0])
        return value if isinstance(value, dict) else {"value": value}

    def set_state(self, stream: str, state: Mapping[str, Any]) -> None:
        check_stream_name(stream)
        with self._lock:
            self._store_state(stream, state)

    def forget(self, stream: str) -> None:
        check_stream_name(stream)
        with self._lock, storage_errors(f"destination {self.url}"):
            self._con.execute("DELETE FROM _cs_schema WHERE stream = ?", [stream])
            self._con.execute("DELETE FROM _cs_state WHERE stream = ?", [stream])
            self._schemas.pop(stream, None)

    def missing(self, stream: str) -> str | None:
        with self._lock:
            stored = self._con.execute(
                "SELECT count(*) FROM _cs_schema WHERE stream = ?", [stream]
            ).fetchone()
            if stored == (0,) or stream in self._tables():
                return None
        return f"its table {stream!r} is gone from {self.url}"

    # -- reading -------------------------------------------------------------------------
    def _load_schema(self, stream: str) -> StreamSchema | None:
        cached = self._schemas.get(stream)
        if cached is not None:
            return cached
        cur = self._con.execute(
            'SELECT "column", type, nullable, position, known, key FROM _cs_schema '
            "WHERE stream = ?",
            [stream],
        )
        rows = cur.fetchall()
        if not rows:
            if stream in self._tables():
                # created with no data columns
                return StreamSchema(case_insensitive=True, naming=self.naming)
            return None
        names = ("column", "type", "nullable", "position", "known", "key")
        schema = StreamSchema.from_json([dict(zip(names, r, strict=True)) for r in rows], True)
        schema.naming = self.naming
        self._schemas[stream] = schema
        return schema

    def _all_tables(self) -> set[str]:
        rows = self._con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
            "AND database_name = current_database()"
        ).fetchall()
        return {r[0] for r in rows}

    def _tables(self) -> set[str]:
        return {t for t in self._all_tables() if not t.startswith("_cs_")}

    def schema(self, stream: str) -> list[Column]:
        with self._lock:
            return self._require(stream).to_columns()

    def streams(self) -> list[str]:
        with self._lock:
            return sorted(self._tables())

    def row_count(self, stream: str) -> int:
        with self._lock:
            self._require(stream)
            row = self._con.execute(f"SELECT count(*) FROM {quote(stream)}").fetchone()
        return int(row[0]) if row else 0

    def read_rejects(self, stream: str) -> list[tuple[str, dict[str, Any]]]:
        with self._lock:
            rows = self._con.execute(
                f"SELECT reason, record FROM {REJECTS} WHERE stream = ? "
                "ORDER BY rejected_at, rowid",  # ties (one batch): in the order stored
                [stream],
            ).fetchall()
        return [(reason, load_json(record)) for reason, record in rows]

    def read_rows(self, stream: str, limit: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            schema = self._require(stream)
            pk = schema.primary_key
            order = f" ORDER BY {', '.join(quote(k) for k in pk)}" if pk else ""
            order += f" LIMIT {int(limit)}" if limit is not None else ""
            cur = self._con.execute(f"SELECT * FROM {quote(stream)}{order}")
            names = [d[0] for d in cur.description]
            rows = cur.fetchall()
        json_cols = {c.name for c in schema.columns.values() if c.effective_type == "json"}
        out = []
        for row in rows:
            record = dict(zip(names, row, strict=True))
            for name in json_cols:
                if record.get(name) is not None:
                    record[name] = load_json(record[name])
            out.append(record)
        return out

    def _scan(self, stream: str, columns: Sequence[str]) -> Iterator[Sequence[Sequence[Any]]]:
        with self._lock:
            cursor = self._con.cursor()  # its own result: other calls do not cut it short
        try:
            cursor.execute(f"SELECT {', '.join(map(quote, columns))} FROM {quote(stream)}")
            while rows := cursor.fetchmany(KEY_BATCH):
                yield rows
        finally:
            cursor.close()

    def query(self, text: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one read-only SQL statement over the stream tables: (column names, rows)."""
        with self._lock, storage_errors(f"destination {self.url}"):
            cur = self._con.execute(text)
            return [d[0] for d in cur.description], cur.fetchall()

    def close(self) -> None:
        with self._lock, storage_errors(f"destination {self.url}"):
            if not self._closed:
                self._closed = True
                self._con.close()
