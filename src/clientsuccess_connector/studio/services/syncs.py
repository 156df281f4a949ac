"""Sync now and the schedule: a flow's streams synced into its destination, as `sync` does."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from clientsuccess_connector.config.flow import Flow
from clientsuccess_connector.connection import Connection, ConnectionSettings, ConnectionStats
from clientsuccess_connector.read.default_streams import DEFAULT_STREAMS
from clientsuccess_connector.read.endpoint import resolve
from clientsuccess_connector.read.fanout import prepare_lookups
from clientsuccess_connector.read.progress import ProgressListener
from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.studio.services.common import DEFAULT_DESTINATION
from clientsuccess_connector.syncing.run import StreamResult, SyncOptions, sync
from clientsuccess_connector.syncing.streams import select_sources

SyncProgress = Callable[[str, int], None]


def stream_names(flow: Flow) -> list[str]:
    """The streams a sync of this flow reads."""
    return list(flow.sources) or list(DEFAULT_STREAMS)


def run_sync(
    settings: ConnectionSettings,
    flow: Flow,
    streams: Sequence[str],
    progress: SyncProgress,
    watch: Callable[[ConnectionStats], None] | None = None,
    on_progress: ProgressListener | None = None,
) -> list[StreamResult]:
    """Sync `streams` of the flow into its destination, as `sync --flow FILE --stream ...`.

    `progress(stream, records)` is told of records as they land; `watch` gets the connection's
    live counters (requests, retries) once it is open; `on_progress` each stream's read progress
    (records of the announced total) after every page."""
    sources = {name: resolve(spec) for name, spec in select_sources(flow, streams).items()}
    with (
        Connection(settings) as connection,
        open_sink(flow.destination or DEFAULT_DESTINATION, naming=flow.naming) as sink,
    ):
        if watch is not None:
            watch(connection.stats)
        lookups = prepare_lookups(flow, connection, sources.values())
        options = SyncOptions(lookups=lookups, server=flow.server)
        return sync(connection, sink, sources, options, progress, on_progress=on_progress)
