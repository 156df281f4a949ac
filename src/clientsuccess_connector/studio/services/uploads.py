"""An uploaded input for the Write screen: the kinds accepted, its columns and first rows."""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Any

from clientsuccess_connector.inputs import read_input
from clientsuccess_connector.studio.services.common import column_names

UPLOAD_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json")


def input_columns(path: Path, limit: int = 5) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and the first rows of an uploaded input, read by the CLI's own input readers."""
    rows = [record for _, record in islice(read_input(str(path)), limit)]
    return column_names(rows), rows
