"""Sync holds a bounded number of pages whatever the stream's length, so memory stays flat."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.read.pagination import Page
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.syncing.run import SyncOptions, sync
from tests.integration.helpers import connect


def _live_pages() -> int:
    return sum(isinstance(o, Page) for o in gc.get_objects())


def test_a_sync_keeps_no_page_it_has_committed(
    shared_simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """Pages already written are let go: a pass does not keep a whole stream's documents."""
    source = resolve(SourceSpec("client_notes", template="search_client_notes", page_size=5))
    pages = -(-len(shared_simulator.store.records("client_notes")) // 5)
    live: list[int] = []
    with connect(shared_simulator) as conn, open_sink(f"duckdb:///{tmp_path / 'm.duckdb'}") as sink:
        write = sink.write_batch

        def counting(*args: Any, **kwargs: Any) -> int:
            live.append(_live_pages())
            return write(*args, **kwargs)

        sink.write_batch = counting  # type: ignore[method-assign]
        [result] = sync(conn, sink, {"client_notes": source}, SyncOptions(batch_size=50))
    assert result.error is None
    assert pages > 100
    assert max(live) < 40, f"{max(live)} pages alive of {pages}"
