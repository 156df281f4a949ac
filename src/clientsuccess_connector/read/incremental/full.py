"""A full read: every record of a stream that keeps no cursor, merged on its key.

The `StreamRead` of a source that cannot be read incrementally (no incremental field, a filter
or cap of its own, not a search): everything, every run, committed in batches without a state.
"""

from __future__ import annotations

from clientsuccess_connector.read.concurrency import prefetch
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.read.incremental.protocol import (
    Commit,
    ReadOptions,
    ReadResult,
    Record,
    State,
)
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.read.run import ReadRun


class FullRead:
    """Reads every record of a stream; commits each batch with no state."""

    def __init__(
        self, reader: Reader, source: Source, options: ReadOptions, commit: Commit, run: ReadRun
    ) -> None:
        self.reader, self.source, self.options = reader, source, options
        self.commit, self.run = commit, run

    def read(self, state: State | None) -> ReadResult:
        """Every record (`state` is not used: a full read has no cursor to start from)."""
        batch: list[Record] = []
        read = 0
        pages = self.reader.pages(self.source, self.run)
        for page in prefetch(pages, depth=self.options.prefetch_pages):
            batch.extend(page)
            read += len(page)
            if len(batch) >= self.options.batch_size:
                self.commit(batch, None)
                batch = []
        self.commit(batch, None)
        return ReadResult(False, None, read)
