"""The tap: discover a catalog, or read the selected streams as Singer messages.

Streams are read by the sync engine (`integration/batches.py`), several at once (up to
`max_concurrency`, every request under the connection's one limiter), and their messages are
written by one thread: a stream's SCHEMA before its records; each batch's RECORD messages, then
a STATE message whose bookmarks cover every record written so far. Messages of different
streams interleave, as the Singer spec allows. No record is written twice with the same content
in one run (`repeats.py`).

Deletes: a full read (no bookmark: a first run, or Meltano's `--full-refresh`) of a stream that
can prove deletions (`deletes.py`) stamps its records with a new table `version`; once the read
proved it read the whole collection, ACTIVATE_VERSION tells the target that rows of older
versions are gone (SDK targets delete them, or set `_sdc_deleted_at` with `hard_delete: false`).
Incremental runs stamp the bookmark's version, so their rows survive the next activation only
if that full read sees them again. A stream that fails leaves its last bookmark
standing; the others still run, and the tap then fails (exit 1).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from clientsuccess_connector.connection import Connection
from clientsuccess_connector.errors import ConnectorError
from clientsuccess_connector.integration.batches import Batch, StreamFailed, StreamRead
from clientsuccess_connector.integration.columns import Columns, sample_records, widen_columns
from clientsuccess_connector.integration.fields import declared_columns
from clientsuccess_connector.integration.plan import StreamPlan, replication_key
from clientsuccess_connector.read.concurrency import interleave
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.read.incremental.protocol import EMPTY
from clientsuccess_connector.singer.catalog import Selection, catalog_entry
from clientsuccess_connector.singer.messages import MessageWriter
from clientsuccess_connector.singer.metrics import Metrics
from clientsuccess_connector.singer.repeats import Repeats
from clientsuccess_connector.singer.schema import stream_schema, widened
from clientsuccess_connector.syncing.deletes import delete_plan
from clientsuccess_connector.syncing.run import SyncOptions

_log = logging.getLogger(__name__)


class TapFailed(ConnectorError):
    """One or more streams failed; their bookmarks stay where their last batch left them."""


def discover(plan: StreamPlan) -> dict[str, Any]:
    """The catalog: every stream, its schema inferred from a sample of its records."""
    with plan.connect() as connection:
        lookups = plan.lookups(connection)
        streams = [
            catalog_entry(source, sample_records(connection, source, lookups))
            for source in plan.sources.values()
        ]
    return {"streams": streams}


_KEY, _VALUE, _VERSION = "replication_key", "replication_key_value", "version"


def to_engine_state(bookmark: Any) -> dict[str, Any] | None:
    """A Singer bookmark as the engine's stream state (see `to_bookmark`); None: read in full."""
    if not isinstance(bookmark, Mapping):
        return None
    state = {k: v for k, v in bookmark.items() if k not in (_KEY, _VALUE, _VERSION)}
    state["cursor_field"] = bookmark.get(_KEY)
    if bookmark.get(_VALUE) is not None:
        state["cursor"] = bookmark[_VALUE]
    kept = "cursor" in state or "partitions" in state or state.get(EMPTY)
    return state if kept else None


def to_bookmark(state: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's stream state as a Singer bookmark: `replication_key` and
    `replication_key_value` (the names the Meltano SDK uses) for the cursor, and the rest as it
    is (the precision learnt; a fan-out stream's cursor per lookup value)."""
    bookmark = {_KEY: state.get("cursor_field")}
    if state.get("cursor") is not None:
        bookmark[_VALUE] = state["cursor"]
    bookmark.update((k, v) for k, v in state.items() if k not in ("cursor_field", "cursor"))
    return bookmark


@dataclass(slots=True)
class _Started:
    """A stream's first schema, known before its first batch; `version` its table version."""

    name: str
    schema: dict[str, Any]
    excluded: frozenset[str]
    version: int | None


@dataclass(slots=True)
class _Landed:
    name: str
    batch: Batch


@dataclass(slots=True)
class _Done:
    """A stream read to its end; `proven`: a full read that proved it read everything."""

    name: str
    proven: bool
    seconds: float


@dataclass(slots=True)
class _Failed:
    name: str
    error: StreamFailed


_Event = _Started | _Landed | _Done | _Failed


@dataclass(slots=True)
class _Output:
    """What the writing thread keeps of one stream: its schema as last sent, its columns, its
    table version, and what it wrote (`repeats.py`)."""

    source: Source
    schema: dict[str, Any]
    excluded: frozenset[str]
    columns: Columns
    version: int | None
    repeats: Repeats
    written: int = 0


def table_version(source: Source, bookmark: Any, full: bool) -> int | None:
    """The Singer table version of this run's records: a new one (milliseconds now) for a full
    read of a stream that can prove deletions, the bookmark's otherwise; None when the stream
    never reconciles (`deletes.py`)."""
    if delete_plan(source)[0] is None:
        return None
    if full or not isinstance(bookmark, Mapping) or not isinstance(bookmark.get(_VERSION), int):
        return time.time_ns() // 1_000_000
    return int(bookmark[_VERSION])


def run_tap(
    plan: StreamPlan,
    out: TextIO,
    selection: Mapping[str, Selection] | None = None,
    state: Mapping[str, Any] | None = None,
    metrics: Metrics | None = None,
) -> None:
    """Write SCHEMA, RECORD and STATE messages for the selected streams (all without a
    catalog), resuming each from `state`'s bookmarks; after a full read that proved it read a
    whole collection, ACTIVATE_VERSION, so the target removes (or marks) what it did not send."""
    writer = MessageWriter(out)
    bookmarks: dict[str, Any] = dict((state or {}).get("bookmarks") or {})
    names = list(selection) if selection is not None else list(plan.sources)
    failures: list[str] = []
    outputs: dict[str, _Output] = {}
    with plan.connect() as connection:
        if metrics is not None:
            connection.on_timing = metrics.request
        lookups = plan.lookups(connection, names)
        options = SyncOptions(lookups=lookups, server=plan.server)
        initial = {name: to_engine_state(bookmarks.get(name)) for name in names}

        def events(name: str) -> Iterator[_Event]:
            """One stream, read on a worker thread: its schema, then its batches."""
            started = time.monotonic()
            source = plan.sources[name]
            chosen = selection.get(name) if selection is not None else None
            if chosen is not None and chosen.schema.get("properties"):
                schema = chosen.schema
            else:
                try:  # a stream whose sample fails fails alone; the others read on
                    sample = sample_records(connection, source, lookups)
                except ConnectorError as exc:
                    yield _Failed(name, StreamFailed(f"stream {name!r}: {exc}"))
                    return
                columns = widen_columns({}, sample)
                key = list(source.primary_key)
                schema = stream_schema(columns, key, sample, declared_columns(source))
            version = table_version(source, bookmarks.get(name), initial[name] is None)
            yield _Started(name, schema, chosen.excluded if chosen else frozenset(), version)
            read = StreamRead(connection, source, initial[name], options)
            try:
                for batch in read:
                    yield _Landed(name, batch)
            except StreamFailed as exc:
                yield _Failed(name, exc)
                return
            yield _Done(name, read.proven is not None, time.monotonic() - started)

        for event in _read_streams(connection, names, events):
            if isinstance(event, _Started):
                source = plan.sources[event.name]
                repeats = Repeats(source.primary_key)
                outputs[event.name] = _Output(
                    source, event.schema, event.excluded, {}, event.version, repeats
                )
                _send_schema(writer, event.name, outputs[event.name])
            elif isinstance(event, _Landed):
                _send_batch(writer, event.name, outputs[event.name], event.batch, bookmarks)
            elif isinstance(event, _Done):
                _finish(writer, outputs[event.name], event, bookmarks, metrics)
            else:
                _log.error("%s", event.error)
                failures.append(event.name)
    writer.state({"bookmarks": bookmarks})  # the last word, even when no cursor moved
    if failures:
        failed = sorted(failures, key=names.index)
        raise TapFailed(f"stream(s) {', '.join(failed)} failed; see the errors above")


def _read_streams(
    connection: Connection, names: list[str], events: Callable[[str], Iterator[_Event]]
) -> Iterator[_Event]:
    """Every stream's events, streams read concurrently (bounded by `max_concurrency`)."""
    workers = max(1, min(len(names), connection.settings.max_concurrency))
    producers = [functools.partial(events, name) for name in names]
    return interleave(producers, workers=workers, buffer=2 * workers)


def _send_schema(writer: MessageWriter, name: str, output: _Output) -> None:
    key = list(output.source.primary_key)
    writer.schema(name, output.schema, key, replication_key(output.source))


def _send_batch(
    writer: MessageWriter, name: str, output: _Output, batch: Batch, bookmarks: dict[str, Any]
) -> None:
    """A batch's RECORD messages (after a wider SCHEMA when they need one), then its STATE."""
    excluded = output.excluded
    records = [
        {k: v for k, v in r.items() if k not in excluded} for r in output.repeats.new(batch.records)
    ]
    output.columns = widen_columns(output.columns, records)
    key = list(output.source.primary_key)
    wider = widened(output.schema, output.columns, key, records)
    if wider is not None:
        output.schema = wider
        _send_schema(writer, name, output)
    writer.records(name, records, output.version)
    output.written += len(records)
    if batch.state is not None:
        bookmarks[name] = to_bookmark(batch.state)
        if output.version is not None:
            bookmarks[name][_VERSION] = output.version
        writer.state({"bookmarks": bookmarks})


def _finish(writer: MessageWriter, output: _Output, done: _Done, bookmarks: dict[str, Any],
            metrics: Metrics | None) -> None:  # fmt: skip
    """After a stream's last batch: ACTIVATE_VERSION when its full read proved it read the
    whole collection (a target then drops or marks every row of older versions), its metrics."""
    if done.proven and output.version is not None:
        writer.activate_version(done.name, output.version)
        writer.state({"bookmarks": bookmarks})
    if metrics is not None:
        metrics.counter("record_count", output.written, stream=done.name)
        metrics.timer("sync_duration", done.seconds, stream=done.name)
