"""The one entry to the read side's stream reads: pick the read a source needs, and run it.

`read_stream` reads a stream that cannot be read incrementally in full (`FullRead`), a fan-out
stream one lookup value at a time (`PartitionedRead`), and any other from its cursor
(`IncrementalRead`); all three are `StreamRead`s (protocol.py).
"""

from __future__ import annotations

from clientsuccess_connector.catalog import envelope
from clientsuccess_connector.read import macros
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.read.incremental.full import FullRead
from clientsuccess_connector.read.incremental.partitioned import PartitionedRead
from clientsuccess_connector.read.incremental.protocol import (
    Commit,
    ReadOptions,
    ReadResult,
    State,
    StreamRead,
)
from clientsuccess_connector.read.incremental.stream import IncrementalRead
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.read.run import ReadRun


def supports_incremental(source: Source) -> bool:
    """True when the source is a search with an incremental field that filters on modifiedAfter,
    and leaves that filter and the sort to the read: a source that sets `modifiedAfter`,
    `sortBy` or `sortDirection` itself, or caps its read (`max_records`, `max_pages`), is read
    as configured every run and keeps no cursor (a cursor would claim a whole read)."""
    if source.incremental_field is None or not source.search or source.template is None:
        return False
    if capped(source) or set(source.query) & set(keyset_keys()):
        return False
    return source.template.param(envelope().modified_after_param) is not None


def capped(source: Source) -> bool:
    """True when the user capped the read: it stops early by choice, so it proves nothing."""
    return source.max_records is not None or source.pagination.max_pages is not None


def keyset_keys() -> tuple[str, ...]:
    """The query parameters an incremental read sets itself (its filter and its sort)."""
    names = envelope()
    return (names.modified_after_param, names.sort_by_param, names.sort_direction_param)


def is_partitioned(source: Source) -> bool:
    """True when `source` fans out over lookup values (it references a lookup)."""
    return bool(macros.lookup_refs(*source.macro_texts()))


def stream_read_of(source: Source) -> type[StreamRead]:
    """The kind of read `source` needs."""
    if not supports_incremental(source):
        return FullRead
    return PartitionedRead if is_partitioned(source) else IncrementalRead


def read_stream(
    reader: Reader,
    source: Source,
    state: State | None,
    run: ReadRun,
    *,
    options: ReadOptions,
    commit: Commit,
) -> ReadResult:
    """Read `source` from its stored `state` the way it can be read, committing batches with
    the state that covers them (`run.notes` gathers what the summary should say)."""
    how = stream_read_of(source)
    return how(reader, source, options, commit, run).read(state)
