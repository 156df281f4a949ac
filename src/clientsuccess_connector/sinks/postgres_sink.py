"""PostgreSQL destination (psycopg 3): each batch is COPYed (CSV written by Arrow) straight into
its table when its keys are new, else into a temp table merged with INSERT ... ON CONFLICT (pk)
DO UPDATE; schema changes and state go in the same transaction."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa

from clientsuccess_connector.errors import ConfigError, DestinationUnavailable, missing_extra
from clientsuccess_connector.sinks.base import (
    DELETED_AT,
    KEY_BATCH,
    REJECTS,
    SYNCED_AT,
    Column,
    ColumnType,
    DeleteMode,
)
from clientsuccess_connector.sinks.batch import (
    ARROW_TYPES,
    Change,
    PreparedBatch,
    load_json,
)
from clientsuccess_connector.sinks.copy_csv import copy_csv
from clientsuccess_connector.sinks.landing import BatchPlan, LandingSink
from clientsuccess_connector.sinks.naming import API
from clientsuccess_connector.sinks.sql import POSTGRES_TYPES, check_stream_name
from clientsuccess_connector.sinks.storage import storage_errors
from clientsuccess_connector.sinks.stream_schema import StreamSchema
from clientsuccess_connector.sinks.versions import EVER

try:
    import psycopg
    from psycopg import sql
    from psycopg.types.json import Jsonb
except ImportError as exc:  # the [postgres] extra
    raise missing_extra("postgres", exc) from None

_STAGE = "_cs_stage"
NAME_BYTES = 63
"""PostgreSQL truncates longer identifiers, so two long names could become one column."""
ISO_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'


def _type(kind: ColumnType) -> sql.SQL:
    return sql.SQL(POSTGRES_TYPES[kind])


def widen_expression(column: str, old: ColumnType, new: ColumnType) -> sql.Composable:
    """PostgreSQL expression converting a column's existing values from `old` to `new`."""
    col: sql.Composable = sql.Identifier(column)
    if old == "timestamp" and new in ("text", "json"):
        col = sql.SQL("to_char({} AT TIME ZONE 'UTC', {})").format(col, sql.Literal(ISO_FORMAT))
    if new == "json":
        return sql.SQL("to_jsonb({})").format(col)
    return sql.SQL("{}::{}").format(col, _type(new))


def unreachable(exc: psycopg.Error) -> bool:
    """True when the server did not answer, or answered that it cannot take connections now
    (starting up, shutting down, too many clients): an outage, not a wrong URL or password.
    Only a failure to connect can be one: a malformed connection string is not."""
    if not isinstance(exc, psycopg.OperationalError):
        return False
    text = str(exc)
    if "FATAL:" not in text:  # refused, timed out, closed: the server never spoke
        return True
    return any(words in text for words in ("the database system is", "too many clients"))


def _appendable(batch: PreparedBatch) -> bool:
    """True when the batch may be COPYed straight into its table: no key, or one column that is
    not json and that the table holds as its primary key, so that a stored key refuses the COPY
    (composite and json keys always merge, and so does a key the table was made without)."""
    key = batch.primary_key
    if not key:
        return True
    return len(key) == 1 and batch.types[key[0]] != "json" and batch.schema.primary_key == key


class PostgresSink(LandingSink):
    """Lands streams in PostgreSQL tables of one schema (`?schema=S`, created if missing)."""

    def __init__(
        self,
        conninfo: str,
        url: str,
        schema: str = "public",
        naming: str = API,
        read_only: bool = False,
    ) -> None:
        self.url = url
        self.naming = naming
        self._schema_name = schema
        try:  # `conninfo` keeps every libpq parameter: open_sink took `schema` out
            self._con = psycopg.connect(conninfo, autocommit=False)
            self._con.execute("SET TIME ZONE 'UTC'")
            self._con.commit()
        except psycopg.Error as exc:
            error = DestinationUnavailable if unreachable(exc) else ConfigError
            raise error(
                f"cannot connect to destination {url}: {str(exc).strip().splitlines()[0]}; "
                "check host, port, user, password and database"
            ) from None
        self._lock = threading.RLock()
        self._schemas: dict[str, StreamSchema] = {}
        self._appending: set[str] = set()
        """Streams whose last batch was COPYed straight into the table (all its keys new)."""
        self._closed = False
        if read_only:
            self._open_read_only()
            return
        with self._con.transaction():
            self._lock_schema_changes()
            self._exec("CREATE SCHEMA IF NOT EXISTS {s}")
            self._exec(
                "CREATE TABLE IF NOT EXISTS {s}._cs_state (stream TEXT PRIMARY KEY, "
                "state JSONB, updated_at TIMESTAMPTZ NOT NULL)"
            )
            self._exec(
                'CREATE TABLE IF NOT EXISTS {s}._cs_schema (stream TEXT NOT NULL, "column" TEXT '
                "NOT NULL, type TEXT NOT NULL, nullable BOOLEAN NOT NULL, position INTEGER NOT "
                'NULL, known BOOLEAN NOT NULL, key TEXT NOT NULL, PRIMARY KEY (stream, "column"))'
            )
            self._exec(
                f"CREATE TABLE IF NOT EXISTS {{s}}.{REJECTS} (stream TEXT NOT NULL, reason TEXT "
                "NOT NULL, record TEXT NOT NULL, rejected_at TIMESTAMPTZ NOT NULL)"
            )

    def _open_read_only(self) -> None:
        """Look without changing anything: every transaction is read-only, and a schema that
        holds no synced streams is a ConfigError instead of being created."""
        self._con.execute("SET default_transaction_read_only = on")
        found = self._con.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
            "AND table_name = '_cs_schema'",
            [self._schema_name],
        ).fetchone()
        self._con.commit()
        if found is None:
            self._con.close()
            raise ConfigError(
                f"{self.url} holds no synced streams (no _cs_schema table in schema "
                f"{self._schema_name!r}); check --destination"
            )

    def _lock_schema_changes(self) -> None:
        """Wait for any other sync changing this schema's tables (until this transaction
        ends): two syncs starting at once would both try to create the schema and the tables,
        and one would fail on the other's half-made work."""
        self._con.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"clientsuccess-connector:{self._schema_name}"],
        )

    def _exec(self, template: str, params: Sequence[Any] | None = None, **parts: Any) -> Any:
        query = sql.SQL(template).format(s=sql.Identifier(self._schema_name), **parts)
        return self._con.execute(query, params)

    def _table(self, stream: str) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self._schema_name), sql.Identifier(stream))

    # -- writing -------------------------------------------------------------------------
    def _check_name(self, stream: str) -> None:
        check_stream_name(stream)

    def _new_schema(self) -> StreamSchema:
        return StreamSchema(name_bytes=NAME_BYTES, naming=self.naming)

    def _commit(self, plan: BatchPlan, state: Mapping[str, Any] | None) -> BatchPlan:
        stream = plan.stream
        try:
            with self._con.transaction():
                first = plan.prepared
                if first is not None and plan.writes and (first.changes or plan.stored is None):
                    # Another sync may have created or changed the table meanwhile: plan
                    # again from what is stored now, while no one else can change it
                    # (the plan stands when the stored schema is the one it started from).
                    self._lock_schema_changes()
                    self._schemas.pop(stream, None)
                    stored = self._load_schema(stream)
                    if stored != plan.stored:
                        plan = self._plan(stream, plan.records, plan.primary_key, stored)
                prepared = plan.prepared
                if prepared is not None and plan.writes:
                    self._apply_schema(stream, prepared, plan.stored is not None)
                    self._merge(stream, prepared, created=plan.stored is None)
                if prepared is not None and prepared.rejects:
                    self._store_rejects(stream, prepared)
                if state is not None:
                    self._store_state(stream, state)
        except psycopg.Error:
            self._schemas.pop(stream, None)
            self._appending.discard(stream)
            raise
        return plan

    def _store_rejects(self, stream: str, batch: PreparedBatch) -> None:
        now = datetime.now(UTC)
        with self._con.cursor() as cur:
            cur.executemany(
                sql.SQL("INSERT INTO {}.{} VALUES (%s, %s, %s, %s)").format(
                    sql.Identifier(self._schema_name), sql.Identifier(REJECTS)
                ),
                [(*row, now) for row in batch.reject_rows(stream)],
            )

    def _apply_schema(self, stream: str, batch: PreparedBatch, exists: bool) -> None:
        table = self._table(stream)
        if not exists:
            cols = [
                sql.SQL("{} {}{}").format(
                    sql.Identifier(c.name),
                    _type(c.effective_type),
                    sql.SQL(" NOT NULL" if batch.schema.is_key(c.name) else ""),
                )
                for c in batch.schema.columns.values()
            ]
            cols.append(sql.SQL("{} TIMESTAMPTZ NOT NULL").format(sql.Identifier(SYNCED_AT)))
            if batch.primary_key:
                cols.append(
                    sql.SQL("PRIMARY KEY ({})").format(
                        sql.SQL(", ").join(map(sql.Identifier, batch.primary_key))
                    )
                )
            self._con.execute(
                sql.SQL("CREATE TABLE {} ({})").format(table, sql.SQL(", ").join(cols))
            )
        else:
            for change in batch.changes:
                self._con.execute(self._alter_sql(table, change))
        if batch.changes:
            self._store_schema(stream, batch.schema)

    @staticmethod
    def _alter_sql(table: sql.Composed, change: Change) -> sql.Composed:
        col = sql.Identifier(change.column)
        if change.old is None:
            return sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(table, col, _type(change.new))
        return sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {} USING {}").format(
            table, col, _type(change.new), widen_expression(change.column, change.old, change.new)
        )

    def _merge(self, stream: str, batch: PreparedBatch, created: bool) -> None:
        """COPY the batch straight into the table when none of its keys is stored yet (a
        first load); otherwise into a temp table, merged with INSERT ... ON CONFLICT.

        Whether the keys are new is asked of the table only when the stream's previous batch
        was not appended: while batches keep being new (a first load), each is COPYed without
        asking, and the primary key refuses one that is not (it is then merged)."""
        table = self._table(stream)
        now = datetime.now(UTC)
        appending = created or stream in self._appending
        self._appending.discard(stream)
        if _appendable(batch) and (appending or self._all_new(table, batch)):
            try:
                with self._con.transaction():  # a savepoint: a key stored already -> merge
                    synced = pa.repeat(pa.scalar(now, ARROW_TYPES["timestamp"]), batch.rows)
                    self._copy(table, [*batch.names, SYNCED_AT],
                               batch.to_arrow().append_column(SYNCED_AT, synced))  # fmt: skip
                self._appending.add(stream)
                return
            except psycopg.errors.UniqueViolation:
                pass
        self._merge_staged(table, batch, now, self.newest_since(stream))

    def _all_new(self, table: sql.Composed, batch: PreparedBatch) -> bool:
        """True when no row of the table has a key of the batch (one indexed lookup per key)."""
        if not batch.primary_key:
            return True
        key = batch.primary_key[0]
        # The keys are a literal, not a parameter (see `_merge_staged`).
        found = self._con.execute(
            sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE {} = ANY({}::{}[]))").format(
                table,
                sql.Identifier(key),
                sql.Literal(batch.arrays[key].to_pylist()),
                _type(batch.types[key]),
            )
        ).fetchone()
        return found is not None and not found[0]

    def _copy(self, target: sql.Composable, names: list[str], table: pa.Table) -> None:
        # The batch goes over as CSV written by Arrow in C: no Python object per value, and
        # one buffer for the whole batch (text COPY row by row was most of a batch's time).
        columns = sql.SQL(", ").join(map(sql.Identifier, names))
        with self._con.cursor().copy(
            sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(target, columns)
        ) as copy:
            copy.write(copy_csv(table))

    def _merge_staged(
        self, table: sql.Composed, batch: PreparedBatch, now: datetime, since: datetime | None
    ) -> None:
        con = self._con
        stage = sql.Identifier(_STAGE)
        names = [sql.Identifier(n) for n in batch.names]
        col_list = sql.SQL(", ").join(names)
        con.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(stage))
        con.execute(
            sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(
                stage,
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(n), _type(batch.types[n]))
                    for n in batch.names
                ),
            )
        )
        self._copy(stage, batch.names, batch.to_arrow())
        synced = sql.Identifier(SYNCED_AT)
        # The time is a literal, not a parameter: with parameters psycopg reads every `%` of
        # the query as a placeholder, and column names may hold `%`.
        insert = sql.SQL("INSERT INTO {} AS t ({}, {}) SELECT {}, {} FROM {}").format(
            table, col_list, synced, col_list, sql.Literal(now), stage
        )
        if batch.primary_key:
            all_cols = [c for c in batch.schema.columns if c not in batch.primary_key]
            older = _older_than_stored(batch, since)
            updates = [
                sql.SQL("{} = {}").format(sql.Identifier(c), _kept(c, older)) for c in all_cols
            ]
            updates.append(sql.SQL("{} = EXCLUDED.{}").format(synced, synced))
            if batch.schema.soft_deletes:  # a record read again exists: clear its marker
                updates.append(sql.SQL("{} = NULL").format(sql.Identifier(DELETED_AT)))
            insert = sql.SQL("{} ON CONFLICT ({}) DO UPDATE SET {}").format(
                insert,
                sql.SQL(", ").join(map(sql.Identifier, batch.primary_key)),
                sql.SQL(", ").join(updates),
            )
        con.execute(insert)

    def reconcile(self, stream: str, written_since: datetime, mode: DeleteMode) -> int:
        check_stream_name(stream)
        with self._lock, storage_errors(f"destination {self.url}"):
            current = self._load_schema(stream)
            if current is None:
                return 0
            table, synced = self._table(stream), sql.Identifier(SYNCED_AT)
            deleted = sql.Identifier(DELETED_AT)
            schema = current.copy()
            # Times are literals: with parameters psycopg reads every `%` as a placeholder.
            since = sql.Literal(written_since)
            try:
                with self._con.transaction():
                    if mode == "hard":
                        query = sql.SQL("DELETE FROM {} WHERE {} < {}").format(table, synced, since)
                    else:
                        if not schema.soft_deletes:
                            # As in write_batch: no other sync may change the table meanwhile,
                            # and what it stored before counts.
                            self._lock_schema_changes()
                            self._schemas.pop(stream, None)
                            schema = (self._load_schema(stream) or current).copy()
                        if not schema.soft_deletes:
                            self._con.execute(
                                sql.SQL(
                                    "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} TIMESTAMPTZ"
                                ).format(table, deleted)
                            )
                            schema.soft_deletes = True
                            self._store_schema(stream, schema)
                        query = sql.SQL(
                            "UPDATE {} SET {} = {} WHERE {} < {} AND {} IS NULL"
                        ).format(
                            table, deleted, sql.Literal(datetime.now(UTC)), synced, since, deleted
                        )
                    count = self._con.execute(query).rowcount
            except psycopg.Error:
                self._schemas.pop(stream, None)
                raise
            self._schemas[stream] = schema
            return max(count, 0)

    def _store_schema(self, stream: str, schema: StreamSchema) -> None:
        self._exec("DELETE FROM {s}._cs_schema WHERE stream = %s", [stream])
        rows = [
            (stream, r["column"], r["type"], r["nullable"], r["position"], r["known"], r["key"])
            for r in schema.to_json()
        ]
        if rows:
            with self._con.cursor() as cur:
                cur.executemany(
                    sql.SQL("INSERT INTO {}._cs_schema VALUES (%s, %s, %s, %s, %s, %s, %s)").format(
                        sql.Identifier(self._schema_name)
                    ),
                    rows,
                )

    def _store_state(self, stream: str, state: Mapping[str, Any]) -> None:
        self._exec(
            "INSERT INTO {s}._cs_state VALUES (%s, %s, %s) ON CONFLICT (stream) DO UPDATE "
            "SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at",
            [
                stream,
                Jsonb(dict(state), dumps=lambda v: orjson.dumps(v).decode()),
                datetime.now(UTC),
            ],
        )

    # -- state ---------------------------------------------------------------------------
    def get_state(self, stream: str) -> dict[str, Any] | None:
        with self._lock, self._con.transaction():
            row = self._exec(
                "SELECT state FROM {s}._cs_state WHERE stream = %s", [stream]
            ).fetchone()
        if row is None or row[0] is None:
            return None
        return row[0] if isinstance(row[0], dict) else {"value": row[0]}

    def set_state(self, stream: str, state: Mapping[str, Any]) -> None:
        check_stream_name(stream)
        with self._lock, self._con.transaction():
            self._store_state(stream, state)

    # -- reading -------------------------------------------------------------------------
    def stale_rows(self, stream: str, written_since: datetime) -> tuple[int, int]:
        check_stream_name(stream)
        with self._lock, storage_errors(f"destination {self.url}"):
            current = self._load_schema(stream)
            if current is None:
                return 0, 0
            live = (
                sql.SQL("{} IS NULL").format(sql.Identifier(DELETED_AT))
                if current.soft_deletes
                else sql.SQL("true")
            )
            query = sql.SQL("SELECT count(*) FILTER (WHERE {} < {}), count(*) FROM {} WHERE {}")
            since = sql.Literal(written_since)
            with self._con.transaction():
                row = self._con.execute(
                    query.format(sql.Identifier(SYNCED_AT), since, self._table(stream), live)
                ).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def forget(self, stream: str) -> None:
        with self._lock, storage_errors(f"destination {self.url}"), self._con.transaction():
            self._exec("DELETE FROM {s}._cs_schema WHERE stream = %s", [stream])
            self._exec("DELETE FROM {s}._cs_state WHERE stream = %s", [stream])
            self._schemas.pop(stream, None)
            self._appending.discard(stream)

    def missing(self, stream: str) -> str | None:
        with self._lock, self._con.transaction():
            stored = self._exec(
                "SELECT count(*) FROM {s}._cs_schema WHERE stream = %s", [stream]
            ).fetchone()
            if stored == (0,) or stream in self._tables():
                return None
        return f"its table {stream!r} is gone from {self.url}"

    def _load_schema(self, stream: str) -> StreamSchema | None:
        cached = self._schemas.get(stream)
        if cached is not None:
            return cached
        with self._con.transaction():
            rows = self._exec(
                'SELECT "column", type, nullable, position, known, key FROM {s}._cs_schema '
                "WHERE stream = %s",
                [stream],
            ).fetchall()
            if not rows:
                if stream not in self._tables():
                    return None
                return StreamSchema(name_bytes=NAME_BYTES, naming=self.naming)
        names = ("column", "type", "nullable", "position", "known", "key")
        schema = StreamSchema.from_json([dict(zip(names, r, strict=True)) for r in rows], False)
        schema.name_bytes = NAME_BYTES
        schema.naming = self.naming
        self._schemas[stream] = schema
        return schema

    def _tables(self) -> set[str]:
        rows = self._con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            [self._schema_name],
        ).fetchall()
        return {r[0] for r in rows if not r[0].startswith("_cs_")}

    def schema(self, stream: str) -> list[Column]:
        with self._lock:
            return self._require(stream).to_columns()

    def streams(self) -> list[str]:
        with self._lock, self._con.transaction():
            return sorted(self._tables())

    def row_count(self, stream: str) -> int:
        with self._lock:
            self._require(stream)
            with self._con.transaction():
                row = self._con.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(self._table(stream))
                ).fetchone()
        return int(row[0]) if row else 0

    def read_rejects(self, stream: str) -> list[tuple[str, dict[str, Any]]]:
        with self._lock, self._con.transaction():
            rows = self._exec(
                f"SELECT reason, record FROM {{s}}.{REJECTS} WHERE stream = %s "
                "ORDER BY rejected_at, ctid",  # ties (one batch): in the order stored
                [stream],
            ).fetchall()
        return [(reason, load_json(record)) for reason, record in rows]

    def read_rows(self, stream: str, limit: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            schema = self._require(stream)
            cols = [c.name for c in schema.to_columns()]
            pk = schema.primary_key
            query = sql.SQL("SELECT {} FROM {}").format(
                sql.SQL(", ").join(map(sql.Identifier, cols)), self._table(stream)
            )
            if pk:
                query = sql.SQL("{} ORDER BY {}").format(
                    query, sql.SQL(", ").join(map(sql.Identifier, pk))
                )
            if limit is not None:
                query = sql.SQL("{} LIMIT {}").format(query, sql.Literal(int(limit)))
            with self._con.transaction():
                rows = self._con.execute(query).fetchall()
        return [dict(zip(cols, row, strict=True)) for row in rows]

    def _scan(self, stream: str, columns: Sequence[str]) -> Iterator[Sequence[Sequence[Any]]]:
        query = sql.SQL("SELECT {} FROM {}").format(
            sql.SQL(", ").join(map(sql.Identifier, columns)), self._table(stream)
        )
        # A server-side cursor: the rows come KEY_BATCH at a time, never all at once.
        with self._lock, self._con.transaction(), self._con.cursor(name="_cs_key_rows") as cur:
            cur.execute(query)
            while rows := cur.fetchmany(KEY_BATCH):
                yield rows

    def query(self, text: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one read-only SQL statement over the stream tables (unqualified names are this
        destination's schema): (column names, rows)."""
        with self._lock, self._con.transaction():
            self._exec("SET LOCAL search_path TO {s}")
            cur = self._con.execute(text.encode())  # bytes: no placeholders to interpret
            names = [d.name for d in cur.description or []]
            return names, cur.fetchall()

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._con.close()


def _older_than_stored(batch: PreparedBatch, since: datetime | None) -> sql.Composable | None:
    """In an upsert, true when the incoming row (EXCLUDED) is older than the row this run
    stored (`t`, written since `since`) by the stream's stamp column; None without one. Checked
    against the locked row, so a concurrent writer cannot slip in between (sinks/versions.py)."""
    if batch.newest is None:
        return None
    return sql.SQL(
        "(t.{w} >= {since} AND t.{n} IS NOT NULL"
        " AND (EXCLUDED.{n} IS NULL OR t.{n} > EXCLUDED.{n}))"
    ).format(
        n=sql.Identifier(batch.newest),
        w=sql.Identifier(SYNCED_AT),
        since=sql.SQL(EVER) if since is None else sql.Literal(since),
    )


def _kept(column: str, older: sql.Composable | None) -> sql.Composable:
    """The value an upsert leaves in `column`: the incoming one, or the stored one when the
    incoming row is `older`."""
    name = sql.Identifier(column)
    if older is None:
        return sql.SQL("EXCLUDED.{}").format(name)
    return sql.SQL("CASE WHEN {} THEN t.{} ELSE EXCLUDED.{} END").format(older, name, name)
