"""Sync: read sources into a destination in batches, each batch committed with its cursor.

A batch and the state that covers it are one transaction, so a run killed at any point and run
again neither loses nor duplicates rows: at worst it re-reads the rows after the last commit
(plus a small overlap), which the merge on the primary key absorbs. A full refresh that proved
it read a whole collection then reconciles deletions (deletes.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from clientsuccess_connector.connection import Connection, ConnectionStats
from clientsuccess_connector.errors import ConfigError, ConnectorError, DataError
from clientsuccess_connector.read import macros
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.read.incremental import (
    DEFAULT_OVERLAP,
    ReadOptions,
    ReadResult,
    ServerFacts,
    ServerStatement,
    read_stream,
    supports_incremental,
)
from clientsuccess_connector.read.lookups import LookupTable, no_values_note
from clientsuccess_connector.read.progress import ProgressListener, ProgressTracker
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.read.run import ReadRun
from clientsuccess_connector.sinks.base import DeleteMode, Sink, ValueReport
from clientsuccess_connector.sinks.history import History, wants_history
from clientsuccess_connector.syncing.cadence import skip_reason
from clientsuccess_connector.syncing.deletes import delete_plan
from clientsuccess_connector.syncing.provenance import (
    KEY as PROVENANCE,
)
from clientsuccess_connector.syncing.provenance import (
    ROWS,
    Provenance,
    distrust,
    other_instance,
)

_log = logging.getLogger(__name__)
DEFAULT_BATCH_SIZE = 5000
DEFAULT_MAX_DELETE_SHARE = 0.5
"""A full refresh that would mark more than this share of a stream's rows deleted stops: one
answer listing too few records (an index being rebuilt, a role briefly without access) is not
proof that they are gone."""
Progress = Callable[[str, int], None]
"""Told `(stream, records)` after each committed batch."""


@dataclass
class StreamResult:
    """What one stream's sync did, for the summary."""

    stream: str
    records: int = 0
    batches: int = 0
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0
    incremental: bool = False
    error: str | None = None
    repaired: int = 0  # values whose NUL or lone surrogate became U+FFFD
    rejected: int = 0  # records set aside in the destination's `_cs_rejects`
    cursor: str | None = None  # the stream's stored cursor after the run (incremental streams)
    deleted: int = 0  # rows a full refresh stamped `_cs_deleted_at` (soft) or removed (hard)
    deletes: str = ""  # the mode reconciled with, or why a full refresh did not reconcile
    capped: int | None = None  # the read stopped at the source's max_records (a choice)
    notes: list[str] = field(default_factory=list)  # what the summary should say besides ok
    skipped: str = ""  # why the stream was not read this run (its cadence, cadence.py)

    @property
    def records_per_second(self) -> float:
        """Throughput of this stream."""
        return self.records / self.seconds if self.seconds > 0 else 0.0


@dataclass
class SyncOptions:
    """Knobs of a sync run."""

    full_refresh: bool = False
    batch_size: int = DEFAULT_BATCH_SIZE
    overlap: timedelta = DEFAULT_OVERLAP
    stream_concurrency: int | None = None
    prefetch_pages: int = 8
    windows_per_stream: int | None = None  # default: the connection's max_concurrency
    lookups: Mapping[str, LookupTable] = field(default_factory=dict)
    deletes: str | None = None  # soft | hard | off for every stream that reconciles (deletes.py)
    max_delete_share: float = DEFAULT_MAX_DELETE_SHARE  # the most a reconcile may mark deleted
    history: bool = False  # keep every version of every stream (`sync --history`), as scd2
    server: ServerStatement | None = None  # what the flow file states about the server


class Landing(Protocol):
    """What `sync` needs of a destination: every `Sink`, or anything else (a Singer message
    stream, a dlt resource) that takes batches each with the state that covers them."""

    def write_batch(
        self,
        stream: str,
        records: Sequence[Mapping[str, Any]],
        primary_key: Sequence[str],
        state: Mapping[str, Any] | None = None,
    ) -> int:
        """Land `records` and then `state`, atomically; the number of rows written."""
        ...

    def get_state(self, stream: str) -> dict[str, Any] | None:
        """The state last landed for `stream`, or None."""
        ...

    def value_report(self, stream: str) -> ValueReport:
        """Values repaired and records rejected in `stream` so far."""
        ...


class DeleteGuard(DataError):
    """A reconcile would mark too large a share of a stream deleted: the stream fails."""


@dataclass(frozen=True, slots=True)
class BoundState:
    """A stream's stored state as far as it can be trusted, and what the summary should say
    when it cannot (`read in full: its table 'pulses' is gone`)."""

    state: dict[str, Any] | None
    note: str | None


@runtime_checkable
class Reconciling(Protocol):
    """A landing that is told when a full refresh proved it read a whole collection (a Singer
    tap or a dlt resource, which record deletions their own way)."""

    def reconcile(self, stream: str, written_since: datetime, mode: DeleteMode) -> int:
        """Record deletions of what the read since `written_since` did not land; rows marked."""
        ...


@dataclass(frozen=True, slots=True)
class _Report:
    """Where one stream reports: per committed batch, and per page."""

    batches: Progress | None
    pages: ProgressTracker | None


class _LockedSink:
    """Serialises sink calls: streams read concurrently, the destination writes one at a time.

    Streams in `history` (by name, with their primary key) also keep every version of their
    records (sinks/history.py), when the landing is a destination of ours."""

    def __init__(self, sink: Landing, history: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.sink = sink
        self.lock = threading.Lock()
        # A destination names each stream's table (`naming=snake_case`); other landings keep it.
        self._table: Callable[[str], str] = (
            sink.table_name if isinstance(sink, Sink) else lambda stream: stream
        )
        self.provenance: dict[str, Provenance] = {}
        self._histories: dict[str, History] = {}
        if isinstance(sink, Sink):
            for stream, pk in (history or {}).items():
                self._histories[stream] = History(sink, self._table(stream), pk)

    def write(self, stream: str, records: list[dict[str, Any]], pk: tuple[str, ...],
              state: dict[str, Any] | None) -> None:  # fmt: skip
        provenance = self.provenance.get(stream)
        if state is not None and provenance is not None:
            state = {**state, PROVENANCE: provenance.as_state()}
        with self.lock:
            history = self._histories.get(stream)
            if history is not None and records:
                history.record(records)  # first: a crash before the batch loses nothing
            self.sink.write_batch(self._table(stream), records, pk, state)

    def keep_newest_by(self, stream: str, field: str | None) -> None:
        """A record this run reads twice keeps its newest version by `field`, from now on
        (sinks/versions.py)."""
        if isinstance(self.sink, Sink):
            with self.lock:
                self.sink.keep_newest_by(self._table(stream), field, datetime.now(UTC))

    def bind(self, stream: str, provenance: Provenance, full_refresh: bool,
             cursor: bool = True) -> BoundState:  # fmt: skip
        """The stream's stored state if it may be trusted for `provenance`, else None and
        why; a ConfigError when its table holds another instance's records (unless a full
        refresh replaces them). A table that is gone is forgotten, so it is created anew.
        `cursor` False: the stream keeps no cursor, so only the table and instance matter."""
        with self.lock:
            if not isinstance(self.sink, Sink):  # a Singer or dlt landing keeps its own state
                return BoundState(None if full_refresh else self.sink.get_state(stream), None)
            self.provenance[stream] = provenance
            table = self._table(stream)
            state = self.sink.get_state(table)
            gone = self.sink.missing(table)
            if gone is not None:
                self.sink.forget(table)
                return BoundState(None, f"read in full: {gone}")
            rows = self.sink.row_count(table) if table in self.sink.streams() else None
            other = other_instance(state, provenance)
            if other is not None and rows:
                if not full_refresh:
                    raise ConfigError(
                        f"table {table!r} holds {rows:,} row(s) read from {other}, and this run "
                        f"reads {provenance.instance}: sync that instance into another "
                        "destination (--destination), or replace them with --full-refresh"
                    )
                return BoundState(None, f"replacing the rows read from {other}")
            if full_refresh or not cursor:  # nothing to trust: the stream is read in full
                return BoundState(None, None)
            why = distrust(state, provenance, rows)
            if why is not None:
                return BoundState(None, f"read in full: {why}")
            return BoundState(state, None)

    def restore_state(self, stream: str, state: dict[str, Any] | None) -> None:
        """Put back the state a stream had before this run ({} when it had none)."""
        if isinstance(self.sink, Sink):
            with self.lock:
                self.sink.set_state(self._table(stream), state or {})

    def seal(self, stream: str) -> None:
        """After a stream's run succeeded: store its provenance and row count with its state,
        so the next run can tell whether the table is still what this run left."""
        provenance = self.provenance.get(stream)
        if provenance is None or not isinstance(self.sink, Sink):
            return
        with self.lock:
            table = self._table(stream)
            if table not in self.sink.streams():
                return
            state = self.sink.get_state(table) or {}
            rows = self.sink.row_count(table)
            self.sink.set_state(table, {**state, PROVENANCE: provenance.as_state(), ROWS: rows})

    def reconcile(self, stream: str, written_since: datetime, mode: DeleteMode) -> int | None:
        """Rows marked or removed; None when the landing cannot record deletions. History mode
        ends the deleted records' versions."""
        if not isinstance(self.sink, Sink | Reconciling):
            return None
        with self.lock:
            deleted = self.sink.reconcile(self._table(stream), written_since, mode)
            history = self._histories.get(stream)
            if history is not None:
                history.close_missing()
            return deleted

    def table(self, stream: str) -> str:
        """The name of `stream`'s table in this landing."""
        return self._table(stream)

    def state(self, stream: str) -> dict[str, Any] | None:
        with self.lock:
            return self.sink.get_state(self._table(stream))

    def stale_rows(self, stream: str, since: datetime) -> tuple[int, int]:
        """What a reconcile would mark deleted, of how many live rows ((0, 0) off a Sink)."""
        if not isinstance(self.sink, Sink):
            return 0, 0
        with self.lock:
            return self.sink.stale_rows(self._table(stream), since)

    def value_report(self, stream: str) -> tuple[int, int]:
        """(values repaired, records rejected) in `stream` so far."""
        with self.lock:
            report = self.sink.value_report(self._table(stream))
            return report.repaired, report.rejected


def require_primary_keys(sources: Iterable[Source]) -> None:
    """A ConfigError naming the first source without a primary key: its rows cannot be merged."""
    for source in sources:
        if not source.primary_key:
            raise ConfigError(
                f"source {source.name!r} has no primary key; set `primary_key:` so rows can be "
                "merged instead of duplicated"
            )


def sync(
    connection: Connection,
    sink: Landing,
    sources: Mapping[str, Source],
    options: SyncOptions | None = None,
    progress: Progress | None = None,
    *,
    on_progress: ProgressListener | None = None,
) -> list[StreamResult]:
    """Sync every source into the sink; streams run concurrently, each result reported.

    `progress(stream, records)` hears of each committed batch; `on_progress(ReadProgress)`
    gets each stream's progress after every page: records (or fan-out requests) done of the
    total the API announced, with rate and time left.
    """
    options = options or SyncOptions()
    if options.batch_size < 1:
        raise ConfigError("batch size must be at least 1")
    require_primary_keys(sources.values())
    plans = {name: delete_plan(source, options.deletes) for name, source in sources.items()}
    history = {
        name: source.primary_key
        for name, source in sources.items()
        if wants_history(source.history, options.history, name)
    }
    locked = _LockedSink(sink, history)
    workers = options.stream_concurrency or min(len(sources), connection.settings.max_concurrency)
    with (
        Reader(connection, lookups=options.lookups) as reader,
        ThreadPoolExecutor(max(1, workers), thread_name_prefix="cs-stream") as pool,
    ):
        futures: list[Future[StreamResult] | StreamResult] = []
        for name, source in sources.items():
            skipped = _skipped(locked, source, options)
            if skipped is not None:
                futures.append(skipped)
                continue
            tracker = ProgressTracker(source.name, on_progress) if on_progress else None
            report = _Report(progress, tracker)
            futures.append(
                pool.submit(_sync_stream, reader, locked, source, options, plans[name], report)
            )
        return [f if isinstance(f, StreamResult) else f.result() for f in futures]


def _skipped(sink: _LockedSink, source: Source, options: SyncOptions) -> StreamResult | None:
    """The result of a stream this run skips for its cadence (`every:`), or None: read it."""
    if source.every is None or options.full_refresh:
        return None
    state = sink.state(source.name)
    reason = skip_reason(source.every, state, datetime.now(UTC))
    if reason is None:
        return None
    _log.info("stream %s %s", source.name, reason)
    cursor = (state or {}).get("cursor")
    return StreamResult(source.name, skipped=reason, cursor=str(cursor) if cursor else None)


def _sync_stream(
    reader: Reader,
    sink: _LockedSink,
    source: Source,
    options: SyncOptions,
    plan: tuple[DeleteMode | None, str],
    progress: _Report,
) -> StreamResult:
    result = StreamResult(source.name)
    started = time.monotonic()
    stats = ConnectionStats(label=source.name)
    try:
        if progress.pages is not None:
            progress.pages.begin_pass()
        if reader.lookup_rows(source) == []:
            refs = macros.lookup_refs(*source.macro_texts())
            result.notes.append(no_values_note(reader.lookups, refs))
        provenance = Provenance.of(
            reader.connection.settings.base_url, source, sink.table(source.name)
        )
        incremental = supports_incremental(source)
        bound = sink.bind(source.name, provenance, options.full_refresh, incremental)
        sink.keep_newest_by(source.name, source.incremental_field)
        if bound.note is not None:
            result.notes.append(bound.note)
        before = sink.state(source.name) if incremental else None
        run = ReadRun(stats=stats, observer=progress.pages, facts=ServerFacts(options.server))
        read = _read(reader, sink, source, options, progress, result, run, bound.state)
        if incremental and options.full_refresh:
            try:
                _reconcile(sink, source, read, plan, result, options.max_delete_share)
            except DeleteGuard:
                # The read that would delete so much moved the cursor on the same answers:
                # put it back, so the next run reads what this one may have missed.
                sink.restore_state(source.name, before)
                raise
        cap = source.max_records
        if not incremental and cap is not None and read.records >= cap:
            result.capped = cap
        sink.seal(source.name)
    except ConnectorError as exc:
        result.error = str(exc)
    except Exception as exc:  # e.g. the database refused a batch: fail this stream, not all
        result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    finally:
        result.seconds = time.monotonic() - started
        result.requests = stats.requests
        result.retries = stats.retries
        result.repaired, result.rejected = sink.value_report(source.name)
        result.cursor = _stored_cursor(sink, source.name)
        if progress.pages is not None:
            progress.pages.finish(complete=result.error is None)
    return result


def _stored_cursor(sink: _LockedSink, stream: str) -> str | None:
    """The cursor the destination holds for `stream` now, or None (also if it cannot say)."""
    try:
        cursor = (sink.state(stream) or {}).get("cursor")
    except Exception:  # a broken destination already failed the stream; the cursor is extra
        return None
    return str(cursor) if cursor is not None else None


def _read(
    reader: Reader,
    sink: _LockedSink,
    source: Source,
    options: SyncOptions,
    progress: _Report,
    result: StreamResult,
    run: ReadRun,
    state: dict[str, Any] | None,
) -> ReadResult:
    """One stream, read the way it can be (read/incremental/): in full, merged on the key; an
    incremental stream from its trusted `state`, proving what it read; a fan-out stream with
    one cursor per lookup value."""
    windows = options.windows_per_stream or reader.connection.settings.max_concurrency
    read_options = ReadOptions(options.batch_size, options.overlap, windows, options.prefetch_pages)

    def commit(batch: list[dict[str, Any]], state: dict[str, Any] | None) -> None:
        if batch or state is not None or result.batches == 0:
            _commit(sink, source, batch, state, result, progress)

    try:
        read = read_stream(reader, source, state, run, options=read_options, commit=commit)
    finally:
        result.notes.extend(run.notes)
        _log.debug("%s: server facts: %s", source.name, run.facts.describe())
    result.incremental = read.from_cursor
    return read


def _guard_deletes(sink: _LockedSink, stream: str, since: datetime, max_share: float) -> None:
    """Refuse a reconcile that would mark more than `max_share` of the rows deleted."""
    stale, live = sink.stale_rows(stream, since)
    if live and stale > max_share * live:
        raise DeleteGuard(
            f"the full read would mark {stale:,} of {live:,} row(s) deleted "
            f"({stale / live:.0%}), more than --max-delete-share {max_share:.0%} allows; "
            "nothing was marked: one answer listing too few records is no proof they are "
            "gone. Compare with `verify`, or run again with a larger --max-delete-share"
        )


def _reconcile(
    sink: _LockedSink,
    source: Source,
    read: ReadResult,
    plan: tuple[DeleteMode | None, str],
    result: StreamResult,
    max_share: float = DEFAULT_MAX_DELETE_SHARE,
) -> None:
    """After a full refresh: record as deleted the rows the read did not write, but only when
    it proved it read the whole collection and stored every record it read."""
    mode, why_not = plan
    if mode is None:
        result.deletes = why_not
    elif read.whole_since is None:
        result.deletes = (
            "deletes not reconciled: the read was not proven against the server's count"
        )
    elif sink.value_report(source.name)[1]:
        result.deletes = "deletes not reconciled: some records were set aside in _cs_rejects"
    else:
        _guard_deletes(sink, source.name, read.whole_since, max_share)
        deleted = sink.reconcile(source.name, read.whole_since, mode)
        if deleted is None:
            result.deletes = "deletes not reconciled: this destination cannot record them"
        else:
            result.deleted, result.deletes = deleted, mode


def _commit(
    sink: _LockedSink,
    source: Source,
    batch: list[dict[str, Any]],
    state: dict[str, Any] | None,
    result: StreamResult,
    progress: _Report,
) -> None:
    sink.write(source.name, batch, source.primary_key, state)
    result.records += len(batch)
    result.batches += 1
    if progress.pages is not None:
        progress.pages.committed(len(batch))
    if progress.batches is not None:
        progress.batches(source.name, len(batch))
