"""Incremental cursors: what to ask for next time, and when it is safe to move the cursor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from clientsuccess_connector.endpoint import Source
from clientsuccess_connector.timestamps import format_timestamp, parse_timestamp

DEFAULT_OVERLAP = timedelta(minutes=5)


def supports_incremental(source: Source) -> bool:
    """True when the source has an incremental field and its endpoint filters on modifiedAfter."""
    if source.incremental_field is None or source.template is None:
        return False
    return source.template.param("modifiedAfter") is not None


@dataclass
class Cursor:
    """The high-water mark of one stream during a run.

    The stored cursor never passes the moment the run started, so a record changed while the
    run pages through the stream is asked for again next time, whatever page it moved to.
    """

    field: str
    run_started: datetime
    value: datetime | None = None

    def observe(self, record: dict[str, Any]) -> None:
        """Take a record's incremental value into account."""
        moment = parse_timestamp(record.get(self.field))
        if moment is not None and (self.value is None or moment > self.value):
            self.value = moment

    def state(self) -> dict[str, Any] | None:
        """The state to commit with the rows seen so far (None: nothing to store yet)."""
        if self.value is None:
            return None
        return {
            "cursor_field": self.field,
            "cursor": format_timestamp(min(self.value, self.run_started)),
        }


def query_for(source: Source, state: dict[str, Any] | None, overlap: timedelta) -> dict[str, Any]:
    """Query parameters of an incremental read: ascending on the field, after the cursor."""
    assert source.incremental_field is not None
    query: dict[str, Any] = {"sortBy": source.incremental_field, "sortDirection": "asc"}
    cursor = parse_timestamp((state or {}).get("cursor"))
    if cursor is not None:
        query["modifiedAfter"] = format_timestamp(cursor - overlap)
    return query
