"""Per-stream cadence: a source's `every: 1d` lets a run skip it while its data is fresher.

How fresh a stream is comes from its stored state: the cursor of an incremental stream (every
record changed before it has landed), or for a fan-out stream the oldest of its per-value
cursors (each lookup value was read up to there; a value found empty is as fresh as the rest).
A stream without a cursor is never skipped.
`sync --full-refresh` reads every stream, cadence or not.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from clientsuccess_connector.read.durations import describe_duration
from clientsuccess_connector.read.incremental.protocol import EMPTY
from clientsuccess_connector.read.timestamps import format_timestamp, parse_timestamp


def fresh_as_of(state: Mapping[str, Any] | None) -> datetime | None:
    """Up to when a stream's table holds every change, by its state; None when unknown."""
    if not state:
        return None
    partitions = state.get("partitions")
    if isinstance(partitions, Mapping):
        # A value whose last read found no records (EMPTY) was read in full by that run.
        moments = [parse_timestamp(v) for v in partitions.values() if v != EMPTY]
        if not moments or any(m is None for m in moments):
            return None
        return min(m for m in moments if m is not None)
    return parse_timestamp(state.get("cursor"))


def skip_reason(every: timedelta, state: Mapping[str, Any] | None, now: datetime) -> str | None:
    """Why a run skips the stream now (its data is newer than its cadence), or None."""
    fresh = fresh_as_of(state)
    if fresh is None or now - fresh >= every:
        return None
    return (
        f"skipped: read up to {format_timestamp(fresh)}, newer than its cadence (every "
        f"{describe_duration(every)}); next read after {format_timestamp(fresh + every)}"
    )
