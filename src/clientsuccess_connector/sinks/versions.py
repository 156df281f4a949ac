"""Which of two versions of one record is newer: the one with the later stamp in the stream's
incremental field (a server may list a record twice, its older copy last); where neither or
only one version has a stamp, the one with a stamp, else the later arrival.

The same order is written three times, once per engine: in Python for a batch (`version_order`),
in SQL for a table (`older_than_stored`) and for a file stream's parts (`newest_first`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from clientsuccess_connector.sinks.sql import quote


def version_order(stamp: Any) -> tuple[int, Any]:
    """A sort key for a version's `stamp`: no stamp first, then stamps by time (ISO text is
    parsed, so `...Z` and `...+00:00` compare as instants), text that is no time last."""
    if stamp is None:
        return (0, 0)
    if isinstance(stamp, datetime):
        return (1, stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC))
    if isinstance(stamp, str):
        try:
            parsed = datetime.fromisoformat(stamp)
        except ValueError:
            return (3, stamp)
        return (1, parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
        return (2, stamp)
    return (3, str(stamp))


def older_than_stored(stored: str, incoming: str) -> str:
    """SQL true when the `incoming` version (a column reference) is older than the `stored`
    one: the stored version has a stamp and the incoming has none or an earlier one."""
    return f"({stored} IS NOT NULL AND ({incoming} IS NULL OR {stored} > {incoming}))"


def newest_first(column: str, seq: str) -> str:
    """The DuckDB value whose maximum picks the newest version: stamped before unstamped,
    then the latest stamp, then the latest arrival (`seq`)."""
    col = quote(column)
    return f"{{'stamped': {col} IS NOT NULL, 'stamp': {col}, 'seq': {seq}}}"
