"""Incremental cursors: what to ask for next time, and when it is safe to move the cursor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.read.timestamps import format_timestamp, parse_timestamp

DEFAULT_OVERLAP = timedelta(minutes=5)


def supports_incremental(source: Source) -> bool:
    """True when the source has an incremental field and its endpoint filters on modifiedAfter."""
    if source.incremental_field is None or source.template is None:
        return False
    return source.template.param("modifiedAfter") is not None


def query_for(source: Source, state: dict[str, Any] | None, overlap: timedelta) -> dict[str, Any]:
    """Query parameters of an incremental read: ascending on the field, after the cursor."""
    assert source.incremental_field is not None
    query: dict[str, Any] = {"sortBy": source.incremental_field, "sortDirection": "asc"}
    cursor = parse_timestamp((state or {}).get("cursor"))
    if cursor is not None:
        query["modifiedAfter"] = format_timestamp(cursor - overlap)
    return query
