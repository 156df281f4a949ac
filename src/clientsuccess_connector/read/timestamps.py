"""ISO-8601 timestamps as ClientSuccess writes them (`YYYY-MM-DDTHH:MM:SS.sssZ`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO-8601 timestamp (with Z or offset, 0-9 fractional digits) as aware UTC, or None."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_timestamp(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS.sssZ`, the form ClientSuccess writes."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )
