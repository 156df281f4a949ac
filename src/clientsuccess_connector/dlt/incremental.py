"""The cursor as `dlt.sources.incremental` users know it: `initial_value` where a first run
starts, `end_value` for a backfill that ends there and leaves the state alone, and `lag` (the
lookback, in seconds) re-read behind the cursor on each run."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.read.incremental import DEFAULT_OVERLAP
from clientsuccess_connector.read.timestamps import format_timestamp, parse_timestamp


def _moment(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    moment = parse_timestamp(value)
    if moment is None:
        raise ConfigError(f"{name} {value!r} is not a timestamp; give ISO 8601, e.g. 2026-01-31")
    return moment


@dataclass(frozen=True)
class CursorArgs:
    """The incremental arguments of `clientsuccess_source`, checked."""

    initial_value: datetime | None = None
    end_value: datetime | None = None
    lag: float | None = None

    @classmethod
    def of(cls, initial_value: Any, end_value: Any, lag: float | None) -> CursorArgs:
        """Parsed; a ConfigError naming the argument when one is wrong."""
        start, end = _moment(initial_value, "initial_value"), _moment(end_value, "end_value")
        if end is not None and start is None:
            raise ConfigError("end_value needs initial_value: a backfill reads between the two")
        if start is not None and end is not None and end <= start:
            raise ConfigError("end_value must be later than initial_value")
        if lag is not None and lag < 0:
            raise ConfigError(f"lag must be 0 or more seconds, not {lag}")
        return cls(start, end, lag)

    @property
    def backfill(self) -> bool:
        """A bounded read: it ignores the stored cursor and leaves the state as it was."""
        return self.end_value is not None

    @property
    def overlap(self) -> timedelta:
        """How far behind the cursor each run starts reading."""
        return DEFAULT_OVERLAP if self.lag is None else timedelta(seconds=self.lag)

    def start_state(self, source: Source, stored: dict[str, Any] | None) -> dict[str, Any] | None:
        """The engine state to read from: the stored one, else `initial_value`, else None."""
        if stored is not None and not self.backfill:
            return stored
        if self.initial_value is None or source.incremental_field is None:
            return None
        return {"cursor": format_timestamp(self.initial_value),
                "cursor_field": source.incremental_field}  # fmt: skip

    def within(self, records: list[dict[str, Any]], field: str | None
               ) -> Iterator[dict[str, Any]]:  # fmt: skip
        """The records a backfill keeps: those whose cursor field is not after `end_value`."""
        if self.end_value is None or field is None:
            yield from records
            return
        for record in records:
            moment = parse_timestamp(record.get(field))
            if moment is None or moment <= self.end_value:
                yield record
