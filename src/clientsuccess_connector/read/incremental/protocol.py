"""`StreamRead`: the one shape of a full, an incremental and a partitioned read of a stream.

A stream read is built from the reader, the source, the `ReadOptions`, a `Commit` (records
with the state that covers them, committed together) and the `ReadRun` carrying the run's
statistics, observer, server facts and notes. `read(state)` reads everything the stored
`state` does not cover and answers a `ReadResult`: whether it read from a cursor, and when a
read proven whole began (only then may a destination treat the records it did not see as
deleted). It raises when the read cannot be proven; what it committed before stays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from clientsuccess_connector.read.endpoint import Source
    from clientsuccess_connector.read.reader import Reader
    from clientsuccess_connector.read.run import ReadRun

Record = dict[str, Any]
State = dict[str, Any]
Commit = Callable[[list[Record], State | None], None]  # records + the state covering them
DEFAULT_OVERLAP = timedelta(minutes=5)
EMPTY = "empty"
"""A state key (a fan-out's partition map: a value) for a stream whose last whole read found
no records. Two empty answers in a row are what an index being rebuilt gives too, so such a
state keeps no cursor: the next run reads the stream whole again, one request while it stays
empty (that answer then believed alone, the earlier run's being its witness)."""


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How a stream read batches, overlaps and parallelises."""

    batch_size: int
    overlap: timedelta = DEFAULT_OVERLAP
    windows: int = 1
    prefetch_pages: int = 8


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What a stream read did."""

    from_cursor: bool
    """True when it read only what changed since a cursor."""
    whole_since: datetime | None = None
    """When a read that read every record (no cursor) and proved it against the count began;
    None otherwise."""
    records: int = 0
    """Records read (those read twice counted twice)."""


class StreamRead(Protocol):
    """A full, incremental or partitioned read of one stream (read/incremental/entry.py)."""

    def __init__(
        self, reader: Reader, source: Source, options: ReadOptions, commit: Commit, run: ReadRun
    ) -> None: ...

    def read(self, state: State | None) -> ReadResult:
        """Read what `state` does not cover, committing batches with the state covering them."""
        ...
