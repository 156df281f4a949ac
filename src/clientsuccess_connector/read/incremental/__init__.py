"""Stream reads that prove what they read: in full, from a cursor, or per lookup value.

One entry: `read_stream(reader, source, state, run, options=..., commit=...) -> ReadResult`
(entry.py) picks the read a source needs and runs it. Every read is a `StreamRead`
(protocol.py):

    class StreamRead(Protocol):
        def __init__(self, reader, source, options: ReadOptions, commit: Commit,
                     run: ReadRun) -> None: ...
        def read(self, state: State | None) -> ReadResult: ...

`read(state)` reads what the stored `state` does not cover, commits each batch of records
together with the state that covers it (`commit(records, state)`), and answers whether it read
from a cursor (`from_cursor`) and, for a read that read every record and proved it against the
server's count, when it began (`whole_since`: only then may a destination treat the records it
did not see as deleted). It raises when the read cannot be proven; the cursor then stays where
the last commit left it. The run's context (statistics, observer, what is learnt about the
server, notes for the summary) travels in the `ReadRun` (read/run.py).

The three reads:

- `FullRead` (full.py): every record, every run, no state.
- `IncrementalRead` (stream.py): from the cursor by keyset, every page checked; a first run
  (or a server failing the checks) by page number, proven against the count, then a catch-up.
- `PartitionedRead` (partitioned.py): a fan-out stream, one `IncrementalRead` per lookup value
  with its own cursor (partition_state.py).

What they are built from: the keyset paginator (keyset.py) and its windows (windows.py), the
server's facts (server_facts.py: `modifiedAfter` unit and inclusivity, sorting, counts, page
size, each configured, learnt or assumed) and the unit learner (precision.py), one-record
probes (probe.py), the distinct keys a pass read (key_tally.py), the trail of keyset pages asked
by number (keyset_trail.py), resume checkpoints of a first full read (resume.py), the server's
clock (server_clock.py), and the errors that end an unproven read (misbehaviour.py).

Names load on first use: `read/run.py` and the paginators use parts of this package that the
reads themselves build on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientsuccess_connector._lazy import lazy_attributes

if TYPE_CHECKING:
    from clientsuccess_connector.read.incremental.entry import (
        is_partitioned,
        read_stream,
        stream_read_of,
        supports_incremental,
    )
    from clientsuccess_connector.read.incremental.full import FullRead
    from clientsuccess_connector.read.incremental.partitioned import PartitionedRead
    from clientsuccess_connector.read.incremental.protocol import (
        DEFAULT_OVERLAP,
        Commit,
        ReadOptions,
        ReadResult,
        StreamRead,
    )
    from clientsuccess_connector.read.incremental.server_facts import (
        Fact,
        ServerFacts,
        ServerStatement,
    )
    from clientsuccess_connector.read.incremental.stream import IncrementalRead

_MODULES = {
    "is_partitioned": "entry",
    "read_stream": "entry",
    "stream_read_of": "entry",
    "supports_incremental": "entry",
    "FullRead": "full",
    "PartitionedRead": "partitioned",
    "DEFAULT_OVERLAP": "protocol",
    "Commit": "protocol",
    "ReadOptions": "protocol",
    "ReadResult": "protocol",
    "StreamRead": "protocol",
    "Fact": "server_facts",
    "ServerFacts": "server_facts",
    "ServerStatement": "server_facts",
    "IncrementalRead": "stream",
}
__getattr__ = lazy_attributes(__name__, _MODULES)

__all__ = [
    "DEFAULT_OVERLAP",
    "Commit",
    "Fact",
    "FullRead",
    "IncrementalRead",
    "PartitionedRead",
    "ReadOptions",
    "ReadResult",
    "ServerFacts",
    "ServerStatement",
    "StreamRead",
    "is_partitioned",
    "read_stream",
    "stream_read_of",
    "supports_incremental",
]
