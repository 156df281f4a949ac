"""Per-stream cadence: a source's `every: 1d` lets a run skip it while its data is fresher.

How fresh a stream is comes from its stored state: the cursor of an incremental stream (every
record changed before it has landed), or for a fan-out stream the oldest of its per-value
cursors (each lookup value was read up to there). A stream without a cursor is never skipped.
`sync --full-refresh` reads every stream, cadence or not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.timestamps import format_timestamp, parse_timestamp

_DURATION = re.compile(r"^(\d+)\s*(s|m|h|d)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, what: str) -> timedelta:
    """`30s`, `15m`, `2h`, `1d`; a ConfigError naming `what` (e.g. `--every`) otherwise."""
    match = _DURATION.match(str(text).strip().lower())
    if not match or int(match.group(1)) == 0:
        raise ConfigError(f"{what} {text!r} is not a duration; use e.g. 30s, 15m, 2h or 1d")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def fresh_as_of(state: Mapping[str, Any] | None) -> datetime | None:
    """Up to when a stream's table holds every change, by its state; None when unknown."""
    if not state:
        return None
    partitions = state.get("partitions")
    if isinstance(partitions, Mapping):
        moments = [parse_timestamp(v) for v in partitions.values()]
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
        f"{_describe(every)}); next read after {format_timestamp(fresh + every)}"
    )


def _describe(every: timedelta) -> str:
    seconds = int(every.total_seconds())
    for unit in ("d", "h", "m"):
        if seconds % _UNIT_SECONDS[unit] == 0:
            return f"{seconds // _UNIT_SECONDS[unit]}{unit}"
    return f"{seconds}s"
