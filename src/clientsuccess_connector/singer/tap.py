"""The tap: discover a catalog, or read the selected streams as Singer messages.

Streams are read one after the other by the sync engine (`integration/batches.py`): each batch's
RECORD messages, then a STATE message with the bookmark that covers them. A stream that fails
leaves its last bookmark standing; the others still run, and the tap then fails (exit 1).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, TextIO

from clientsuccess_connector.errors import ConnectorError
from clientsuccess_connector.integration.batches import StreamFailed, StreamRead
from clientsuccess_connector.integration.columns import Columns, sample_columns, widen_columns
from clientsuccess_connector.integration.plan import StreamPlan, replication_key
from clientsuccess_connector.singer.catalog import Selection, catalog_entry
from clientsuccess_connector.singer.messages import MessageWriter
from clientsuccess_connector.singer.schema import stream_schema, widened
from clientsuccess_connector.syncing import SyncOptions

_log = logging.getLogger(__name__)


class TapFailed(ConnectorError):
    """One or more streams failed; their bookmarks stay where their last batch left them."""


def discover(plan: StreamPlan) -> dict[str, Any]:
    """The catalog: every stream, its schema inferred from a sample of its records."""
    with plan.connect() as connection:
        lookups = plan.lookups(connection)
        streams = [
            catalog_entry(source, sample_columns(connection, source, lookups))
            for source in plan.sources.values()
        ]
    return {"streams": streams}


_KEY, _VALUE = "replication_key", "replication_key_value"


def to_engine_state(bookmark: Any) -> dict[str, Any] | None:
    """A Singer bookmark as the engine's stream state (see `to_bookmark`); None: read in full."""
    if not isinstance(bookmark, Mapping):
        return None
    state = {k: v for k, v in bookmark.items() if k not in (_KEY, _VALUE)}
    state["cursor_field"] = bookmark.get(_KEY)
    if bookmark.get(_VALUE) is not None:
        state["cursor"] = bookmark[_VALUE]
    return state if "cursor" in state or "partitions" in state else None


def to_bookmark(state: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's stream state as a Singer bookmark: `replication_key` and
    `replication_key_value` (the names the Meltano SDK uses) for the cursor, and the rest as it
    is (the precision learnt; a fan-out stream's cursor per lookup value)."""
    bookmark = {_KEY: state.get("cursor_field")}
    if state.get("cursor") is not None:
        bookmark[_VALUE] = state["cursor"]
    bookmark.update((k, v) for k, v in state.items() if k not in ("cursor_field", "cursor"))
    return bookmark


def run_tap(
    plan: StreamPlan,
    out: TextIO,
    selection: Mapping[str, Selection] | None = None,
    state: Mapping[str, Any] | None = None,
) -> None:
    """Write SCHEMA, RECORD and STATE messages for the selected streams (all without a
    catalog), resuming each from `state`'s bookmarks."""
    writer = MessageWriter(out)
    bookmarks: dict[str, Any] = dict((state or {}).get("bookmarks") or {})
    names = list(selection) if selection is not None else list(plan.sources)
    failures: list[str] = []
    with plan.connect() as connection:
        lookups = plan.lookups(connection, names)
        options = SyncOptions(lookups=lookups)
        for name in names:
            source = plan.sources[name]
            chosen = selection.get(name) if selection is not None else None
            key = list(source.primary_key)
            if chosen is not None and chosen.schema.get("properties"):
                schema = chosen.schema
            else:
                schema = stream_schema(sample_columns(connection, source, lookups), key)
            excluded = chosen.excluded if chosen else frozenset()
            writer.schema(name, schema, key, replication_key(source))
            columns: Columns = {}
            read = StreamRead(connection, source, to_engine_state(bookmarks.get(name)), options)
            try:
                for batch in read:
                    records = [{k: v for k, v in r.items() if k not in excluded}
                               for r in batch.records]  # fmt: skip
                    columns = widen_columns(columns, records)
                    wider = widened(schema, columns, key)
                    if wider is not None:
                        schema = wider
                        writer.schema(name, schema, key, replication_key(source))
                    writer.records(name, records)
                    if batch.state is not None:
                        bookmarks[name] = to_bookmark(batch.state)
                        writer.state({"bookmarks": bookmarks})
            except StreamFailed as exc:
                _log.error("%s", exc)
                failures.append(name)
    writer.state({"bookmarks": bookmarks})  # the last word, even when no cursor moved
    if failures:
        raise TapFailed(f"stream(s) {', '.join(failures)} failed; see the errors above")
