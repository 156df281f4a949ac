"""Incremental cursors: what to ask for next time, and when it is safe to move the cursor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from clientsuccess_connector.catalog import envelope
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.read.timestamps import format_timestamp, parse_timestamp

DEFAULT_OVERLAP = timedelta(minutes=5)


def supports_incremental(source: Source) -> bool:
    """True when the source is a search with an incremental field that filters on modifiedAfter."""
    if source.incremental_field is None or not source.search or source.template is None:
        return False
    return source.template.param(envelope().modified_after_param) is not None


def query_for(source: Source, state: dict[str, Any] | None, overlap: timedelta) -> dict[str, Any]:
    """Query parameters of an incremental read: ascending on the field, after the cursor."""
    assert source.incremental_field is not None
    search = envelope()
    query: dict[str, Any] = search.ascending_by(source.incremental_field)
    cursor = parse_timestamp((state or {}).get("cursor"))
    if cursor is not None:
        query[search.modified_after_param] = format_timestamp(cursor - overlap)
    return query
