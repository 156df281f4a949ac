"""One stream read by the sync engine, handed over as an iterator of batches with their state.

`sync` pushes batches into a destination; a Singer tap or a dlt resource pulls them. The read
runs on a thread and hands each batch over through a short queue, so it keeps every proof the
engine makes (keyset order, counts against `totalElements`, the catch-up pass), memory stays
bounded, and the consumer lands each batch before it takes the state that covers it.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from clientsuccess_connector.connection import Connection
from clientsuccess_connector.errors import ConnectorError
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.sinks.base import DeleteMode, ValueReport
from clientsuccess_connector.syncing.run import StreamResult, SyncOptions, sync

Record = dict[str, Any]
State = dict[str, Any]
_POLL_SECONDS = 0.2


class StreamFailed(ConnectorError):
    """A stream's read failed; what it handed over before that (with its state) stands."""


@dataclass(frozen=True, slots=True)
class Batch:
    """Records to land, then the state that covers them (None: no new cursor yet)."""

    records: list[Record]
    state: State | None


class _Stop(Exception):
    """The consumer stopped pulling; ends the read."""


@dataclass
class _HandOff:
    """A `syncing.Landing` that puts each batch on a queue instead of into a database."""

    state: State | None
    queue: queue.Queue[Batch | _Done] = field(default_factory=lambda: queue.Queue(maxsize=2))
    stopped: threading.Event = field(default_factory=threading.Event)

    def write_batch(
        self,
        stream: str,
        records: Sequence[Mapping[str, Any]],
        primary_key: Sequence[str],
        state: Mapping[str, Any] | None = None,
    ) -> int:
        # The engine hands each record over once and never touches it again: no copy.
        rows = [r if isinstance(r, dict) else dict(r) for r in records]
        batch = Batch(rows, dict(state) if state is not None else None)
        self.put(batch)
        if state is not None:
            self.state = dict(state)
        return len(batch.records)

    def put(self, item: Batch | _Done) -> None:
        while not self.stopped.is_set():
            try:
                self.queue.put(item, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                continue
        raise _Stop

    def get_state(self, stream: str) -> State | None:
        return self.state

    def reconcile(self, stream: str, written_since: datetime, mode: DeleteMode) -> int:
        """The read proved it handed over the whole collection: the consumer records the
        deletions (`StreamRead.proven`); nothing is marked here."""
        return 0

    def value_report(self, stream: str) -> ValueReport:
        return ValueReport()


@dataclass(frozen=True, slots=True)
class _Done:
    result: StreamResult | None
    error: BaseException | None = None


class StreamRead:
    """Iterate to read `source` from `state` (None: everything); `result` once it is done.

    Iterating raises `StreamFailed` at the end when the read failed; the batches (and states)
    handed over before the failure are sound, so a consumer that landed them keeps them.

    A read from no state is a full refresh: once it is done, `proven` says whether it proved it
    handed over the whole collection, so that every key it did not hand over is deleted.
    """

    def __init__(
        self,
        connection: Connection,
        source: Source,
        state: State | None = None,
        options: SyncOptions | None = None,
    ) -> None:
        self.connection, self.source = connection, source
        options = options or SyncOptions()
        full = options.full_refresh or state is None
        self.options = replace(options, stream_concurrency=1, full_refresh=full)
        self.initial_state = state
        self.result: StreamResult | None = None

    @property
    def proven(self) -> DeleteMode | None:
        """How deletions are to be recorded after this read (`soft` or `hard`), or None when
        they are not: an incremental read, an unproven one, or a source that never
        reconciles (`deletes.py`; `result.deletes` says why)."""
        mode = self.result.deletes if self.result is not None else ""
        return cast(DeleteMode, mode) if mode in ("soft", "hard") else None

    def __iter__(self) -> Iterator[Batch]:
        handoff = _HandOff(self.initial_state)
        thread = threading.Thread(
            target=self._run, args=(handoff,), name=f"cs-read-{self.source.name}", daemon=True
        )
        thread.start()
        try:
            while True:
                item = handoff.queue.get()
                if isinstance(item, _Done):
                    break
                yield item
        finally:
            handoff.stopped.set()
            thread.join()
        if item.error is not None:
            raise item.error
        self.result = item.result
        if self.result is not None and self.result.error is not None:
            raise StreamFailed(f"stream {self.source.name!r}: {self.result.error}")

    def _run(self, handoff: _HandOff) -> None:
        done: _Done
        try:
            sources = {self.source.name: self.source}
            (result,) = sync(self.connection, handoff, sources, self.options)
            done = _Done(result)
        except BaseException as exc:  # handed to the consumer's thread, raised there
            done = _Done(None, exc)
        with contextlib.suppress(_Stop):  # the consumer is gone: nobody to tell
            handoff.put(done)
