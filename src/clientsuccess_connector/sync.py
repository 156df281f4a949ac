"""Sync: read sources into a destination in batches, each batch committed with its cursor.

A batch and the state that covers it are one transaction, so a run killed at any point and run
again neither loses nor duplicates rows: at worst it re-reads the rows after the last commit
(plus a small overlap), which the merge on the primary key absorbs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from clientsuccess_connector.concurrency import prefetch
from clientsuccess_connector.connection import Connection, ConnectionStats
from clientsuccess_connector.endpoint import Source
from clientsuccess_connector.errors import ConfigError, ConnectorError
from clientsuccess_connector.incremental import (
    DEFAULT_OVERLAP,
    Cursor,
    query_for,
    supports_incremental,
)
from clientsuccess_connector.lookups import LookupTable
from clientsuccess_connector.reader import Reader
from clientsuccess_connector.sinks import Sink

DEFAULT_BATCH_SIZE = 5000
Progress = Callable[[str, int], None]


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
    lookups: Mapping[str, LookupTable] = field(default_factory=dict)


class _LockedSink:
    """Serialises sink calls: streams read concurrently, the destination writes one at a time."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.lock = threading.Lock()

    def write(self, stream: str, records: list[dict[str, Any]], pk: tuple[str, ...],
              state: dict[str, Any] | None) -> None:  # fmt: skip
        with self.lock:
            self.sink.write_batch(stream, records, pk, state)

    def state(self, stream: str) -> dict[str, Any] | None:
        with self.lock:
            return self.sink.get_state(stream)


def sync(
    connection: Connection,
    sink: Sink,
    sources: Mapping[str, Source],
    options: SyncOptions | None = None,
    progress: Progress | None = None,
) -> list[StreamResult]:
    """Sync every source into the sink; streams run concurrently, each result reported."""
    options = options or SyncOptions()
    if options.batch_size < 1:
        raise ConfigError("batch size must be at least 1")
    for source in sources.values():
        if not source.primary_key:
            raise ConfigError(
                f"source {source.name!r} has no primary key; set `primary_key:` so rows can be "
                "merged instead of duplicated"
            )
    locked = _LockedSink(sink)
    workers = options.stream_concurrency or min(len(sources), connection.settings.max_concurrency)
    with (
        Reader(connection, lookups=options.lookups) as reader,
        ThreadPoolExecutor(max(1, workers), thread_name_prefix="cs-stream") as pool,
    ):
        futures = [
            pool.submit(_sync_stream, reader, locked, source, options, progress)
            for source in sources.values()
        ]
        return [f.result() for f in futures]


def _sync_stream(
    reader: Reader,
    sink: _LockedSink,
    source: Source,
    options: SyncOptions,
    progress: Progress | None,
) -> StreamResult:
    result = StreamResult(source.name)
    started = time.monotonic()
    stats = ConnectionStats()
    try:
        query: dict[str, Any] = {}
        cursor: Cursor | None = None
        if supports_incremental(source):
            assert source.incremental_field is not None
            state = None if options.full_refresh else sink.state(source.name)
            query = query_for(source, state, options.overlap)
            cursor = Cursor(source.incremental_field, datetime.now(UTC))
            result.incremental = "modifiedAfter" in query
            # Keyset paging: records changed mid-read move to the end instead of shifting pages.
            keyset = replace(
                source.pagination, kind="keyset", keyset_field=source.incremental_field
            )
            source = replace(source, pagination=keyset)
        batch: list[dict[str, Any]] = []
        pages = reader.pages(source, query_overrides=query, stats=stats)
        for page in prefetch(pages, depth=options.prefetch_pages):
            batch.extend(page)
            if len(batch) >= options.batch_size:
                _commit(sink, source, batch, cursor, result, progress)
                batch = []
        if batch or result.batches == 0:
            _commit(sink, source, batch, cursor, result, progress)
    except ConnectorError as exc:
        result.error = str(exc)
    finally:
        result.seconds = time.monotonic() - started
        result.requests = stats.requests
        result.retries = stats.retries
    return result


def _commit(
    sink: _LockedSink,
    source: Source,
    batch: list[dict[str, Any]],
    cursor: Cursor | None,
    result: StreamResult,
    progress: Progress | None,
) -> None:
    if cursor is not None:
        for record in batch:
            cursor.observe(record)
    state = cursor.state() if cursor is not None else None
    sink.write(source.name, batch, source.primary_key, state)
    result.records += len(batch)
    result.batches += 1
    if progress is not None:
        progress(source.name, len(batch))
