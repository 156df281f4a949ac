"""The Datasets screen's tables: every stream in the destination, with a few rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clientsuccess_connector.read.incremental.partition_state import state_summary
from clientsuccess_connector.sinks import Column, open_sink
from clientsuccess_connector.studio.services.common import (
    SAMPLE_ROWS,
    column_names,
    destination_exists,
)


@dataclass(slots=True)
class Dataset:
    """One stream in the destination, as the Datasets screen shows it."""

    stream: str
    columns: list[Column]
    rows: int
    cursor: dict[str, Any] | None
    sample: list[dict[str, Any]]
    sample_columns: list[str]


def datasets(destination: str) -> list[Dataset]:
    """Every stream in the destination: schema, row count, cursor and a few rows."""
    if not destination_exists(destination):
        return []
    found: list[Dataset] = []
    with open_sink(destination, read_only=True) as sink:
        for stream in sink.streams():
            sample = sink.read_rows(stream, limit=SAMPLE_ROWS)
            found.append(
                Dataset(
                    stream=stream,
                    columns=sink.schema(stream),
                    rows=sink.row_count(stream),
                    cursor=state_summary(sink.get_state(stream)),
                    sample=sample,
                    sample_columns=column_names(sample),
                )
            )
    return found
