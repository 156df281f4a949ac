"""What several studio services share: the default destination, sample sizes and table text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from clientsuccess_connector.connection.locations import parse_destination
from clientsuccess_connector.sinks.values import json_text

DEFAULT_DESTINATION = "duckdb:///clientsuccess.duckdb"
SAMPLE_ROWS = 10  # rows a Test or a dataset shows


def column_names(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every key of `records`, in the order they first appear."""
    columns: list[str] = []
    for record in records:
        columns.extend(k for k in record if k not in columns)
    return columns


def destination_exists(destination: str) -> bool:
    """False only for a file destination whose file is not there yet."""
    path = parse_destination(destination).path
    return path is None or path.exists()


def cell(value: Any) -> str:
    """A value as table text (nested values as compact JSON, big integers exact)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json_text(value)
