"""The columns a destination describes its tables with, and the ones every table carries.

Below both the Sink contract (`base.py`) and a stream's schema (`stream_schema.py`), which
each use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["integer", "float", "boolean", "timestamp", "text", "json"]
SYNCED_AT = "_cs_synced_at"
"""Column every destination table carries: when the row was last written (UTC)."""
DELETED_AT = "_cs_deleted_at"
"""Column a stream's table gains at its first soft-delete reconciliation: when a full read
last found the row's record gone (NULL while the record exists)."""


@dataclass(frozen=True)
class Column:
    """One column of a stream's table, as shown by the `schema` command."""

    name: str
    type: ColumnType
    nullable: bool = True
