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

from clientsuccess_connector.cadence import skip_reason
from clientsuccess_connector.connection import Connection, ConnectionStats
from clientsuccess_connector.deletes import delete_plan
from clientsuccess_connector.errors import ConfigError, ConnectorError
from clientsuccess_connector.read.concurrency import prefetch
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.read.incremental import (
    DEFAULT_OVERLAP,
    IncrementalRead,
    ReadOptions,
    supports_incremental,
)
from clientsuccess_connector.read.lookups import LookupTable
from clientsuccess_connector.read.partitioned import PartitionedRead, is_partitioned
from clientsuccess_connector.read.progress import ProgressListener, ProgressTracker
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.sinks.base import DeleteMode, Sink, ValueReport

_log = logging.getLogger(__name__)
DEFAULT_BATCH_SIZE = 5000
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
    """Serialises sink calls: streams read concurrently, the destination writes one at a time."""

    def __init__(self, sink: Landing) -> None:
        self.sink = sink
        self.lock = threading.Lock()
        # A destination names each stream's table (`naming=snake_case`); other landings keep it.
        self._table: Callable[[str], str] = (
            sink.table_name if isinstance(sink, Sink) else lambda stream: stream
        )

    def write(self, stream: str, records: list[dict[str, Any]], pk: tuple[str, ...],
              state: dict[str, Any] | None) -> None:  # fmt: skip
        with self.lock:
            self.sink.write_batch(self._table(stream), records, pk, state)

    def reconcile(self, stream: str, written_since: datetime, mode: DeleteMode) -> int | None:
        """Rows marked or removed; None when the landing cannot record deletions."""
        if not isinstance(self.sink, Sink | Reconciling):
            return None
        with self.lock:
            return self.sink.reconcile(self._table(stream), written_since, mode)

    def state(self, stream: str) -> dict[str, Any] | None:
        with self.lock:
            return self.sink.get_state(self._table(stream))

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
    locked = _LockedSink(sink)
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
        if supports_incremental(source):
            read = _sync_incremental(reader, sink, source, options, progress, result, stats)
            if options.full_refresh:
                _reconcile(sink, source, read, plan, result)
        else:
            _sync_full(reader, sink, source, options, progress, result, stats)
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


def _sync_full(
    reader: Reader,
    sink: _LockedSink,
    source: Source,
    options: SyncOptions,
    progress: _Report,
    result: StreamResult,
    stats: ConnectionStats,
) -> None:
    """A stream without a usable incremental field: read everything, merge on the key."""
    batch: list[dict[str, Any]] = []
    pages = reader.pages(source, stats=stats, observer=progress.pages)
    for page in prefetch(pages, depth=options.prefetch_pages):
        batch.extend(page)
        if len(batch) >= options.batch_size:
            _commit(sink, source, batch, None, result, progress)
            batch = []
    if batch or result.batches == 0:
        _commit(sink, source, batch, None, result, progress)


def _sync_incremental(
    reader: Reader,
    sink: _LockedSink,
    source: Source,
    options: SyncOptions,
    progress: _Report,
    result: StreamResult,
    stats: ConnectionStats,
) -> IncrementalRead | PartitionedRead:
    """An incremental stream, read so that it can prove what it read (read/incremental.py);
    a fan-out stream with one cursor per lookup value (read/partitioned.py)."""
    state = None if options.full_refresh else sink.state(source.name)
    windows = options.windows_per_stream or reader.connection.settings.max_concurrency
    read_options = ReadOptions(options.batch_size, options.overlap, windows, options.prefetch_pages)

    def commit(batch: list[dict[str, Any]], state: dict[str, Any] | None) -> None:
        if batch or state is not None or result.batches == 0:
            _commit(sink, source, batch, state, result, progress)

    how = PartitionedRead if is_partitioned(source) else IncrementalRead
    read = how(reader, source, read_options, commit, stats, progress.pages)
    result.incremental = read.run(state)
    return read


def _reconcile(
    sink: _LockedSink,
    source: Source,
    read: IncrementalRead | PartitionedRead,
    plan: tuple[DeleteMode | None, str],
    result: StreamResult,
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
