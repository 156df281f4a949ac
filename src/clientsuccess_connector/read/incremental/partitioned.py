"""A fan-out stream read incrementally value by value, each lookup value from its own cursor.

Each lookup value (partition) is one `IncrementalRead` with its own state from
`PartitionedState`: a value seen before is read from its cursor, a new one in full, with the
same proofs as any stream. Partitions run concurrently (up to `max_concurrency`); their records
go into shared batches, and each batch is committed with the cursors of the partitions whose
records it completes, so a cursor never moves past a record not yet committed. The state is
written with the batches (and after every `FLUSH_EVERY` cursor moves), not once per value.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import replace

from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.read.incremental.partition_state import PartitionedState, partition_key
from clientsuccess_connector.read.incremental.protocol import (
    Commit,
    ReadOptions,
    ReadResult,
    Record,
    State,
)
from clientsuccess_connector.read.incremental.stream import IncrementalRead
from clientsuccess_connector.read.progress import ProgressTracker
from clientsuccess_connector.read.reader import LookupRow, Reader, flat_lookup_values
from clientsuccess_connector.read.run import ReadRun

__all__ = ["FLUSH_EVERY", "PartitionedRead"]

FLUSH_EVERY = 1000  # cursor moves after which the state is written even without records
_log = logging.getLogger(__name__)


class PartitionedRead:
    """One fan-out stream's incremental read, one partition per lookup value. It is never
    a whole read (`whole_since`): each lookup value is a read of its own. The run's notes are
    the first value's."""

    def __init__(
        self, reader: Reader, source: Source, options: ReadOptions, commit: Commit, run: ReadRun
    ) -> None:
        assert source.incremental_field is not None
        self.reader, self.source, self.options = reader, source, options
        self.commit, self.run = commit, run
        self.workers = reader.connection.settings.max_concurrency
        self._lock = threading.Lock()
        self._batch: list[Record] = []
        self._moved = 0  # cursor moves since the last write
        self._state = PartitionedState(source.incremental_field, ())

    def read(self, state: State | None) -> ReadResult:
        """Read every partition; from a cursor when any was read from one."""
        rows = self.reader.lookup_rows(self.source) or []
        if not rows:  # an empty lookup: nothing to read, and no cursor to forget
            self.commit([], state)
            return ReadResult(False)
        named = {partition_key(flat_lookup_values(row)): row for row in rows}
        columns = flat_lookup_values(rows[0])
        assert self.source.incremental_field is not None
        self._state = PartitionedState.load(state, self.source.incremental_field, columns)
        if state is not None and state.get("partitions") is None and "cursor" in state:
            _log.info("%s: the stored cursor covers every lookup value at once (an earlier "
                      "version); each value is read in full once", self.source.name)  # fmt: skip
        self._state.keep_only(named)
        if self.run.observer is not None:
            self.run.observer.announced(len(named), "requests")
        new = sum(1 for key in named if self._state.of(key) is None)
        _log.info(
            "%s: %d lookup value(s), %d new (read in full)", self.source.name, len(named), new
        )
        incremental, error = self._read_all(named)
        with self._lock:
            self._write()  # what finished is kept, even when another value failed
        if error is not None:
            raise error
        return ReadResult(incremental)

    def _read_all(self, named: dict[str, LookupRow]) -> tuple[bool, BaseException | None]:
        """Every partition on `workers` threads; after a failure, no new partition starts.
        Returns whether any was read from a cursor, and the first failure."""
        incremental = False
        error: BaseException | None = None
        pool = ThreadPoolExecutor(max(1, self.workers), thread_name_prefix="cs-partition")
        futures: dict[Future[bool], str] = {
            pool.submit(self._read, key, row): key for key, row in named.items()
        }
        try:
            for future in as_completed(futures):
                if future.cancelled():
                    continue
                failure = future.exception()
                if failure is None:
                    incremental |= future.result()
                elif error is None:
                    error = failure
                    _log.warning("%s: lookup value %s failed: %s", self.source.name,
                                 futures[future], failure)  # fmt: skip
                    for other in futures:
                        other.cancel()  # the values not started wait for the next run
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return incremental, error

    def _read(self, key: str, row: LookupRow) -> bool:
        """One partition, from its own cursor (or in full)."""
        options = replace(self.options, windows=1)
        tracker = self.run.observer
        pages = tracker.records_only() if isinstance(tracker, ProgressTracker) else None
        run = self.run.but(facts=self.run.facts.fresh(), observer=pages, notes=[])
        part = IncrementalRead(self.reader.for_row(row), self.source, options, self._commit(key),
                               run)  # fmt: skip
        with self._lock:
            start = self._state.of(key)
            if start is None and self._state.precision is not None:
                # A new value is read in full, with the precision the stream has learnt.
                field, unit = self.source.incremental_field, self._state.precision
                start = {"cursor_field": field, "precision": unit}
        incremental = part.read(start).from_cursor
        with self._lock:
            if run.notes and not self.run.notes:
                self.run.notes.extend(run.notes)
        if self.run.observer is not None:
            self.run.observer.request_done()
        return incremental

    def _commit(self, key: str) -> Commit:
        """The commit of one partition: its records join the shared batch, its state the map."""

        def commit(records: list[Record], state: State | None) -> None:
            with self._lock:
                self._batch.extend(records)
                if state is not None:
                    self._state.update(key, state)
                    self._moved += 1
                if len(self._batch) >= self.options.batch_size or self._moved >= FLUSH_EVERY:
                    self._write()

        return commit

    def _write(self) -> None:
        """Commit the batch with every partition's cursor (called under the lock)."""
        batch, self._batch, self._moved = self._batch, [], 0
        self.commit(batch, self._state.to_state())
