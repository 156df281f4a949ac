"""Which of two versions of one record a run keeps: the one with the later stamp in the
stream's incremental field (a server may list a record twice, its older copy last); where
neither or only one version has a stamp, the one with a stamp, else the later arrival.

The order holds among the versions one run read (`since`: when it began writing the stream). A
version the run read always replaces one stored by an earlier run: the server lists one version
of a record now, and its stamp may legitimately be lower than the stored one's (a clock set
back, a record restored), so a later run, a full refresh above all, must be able to repair it.

The same order is written three times, once per engine: in Python for a batch (`version_order`),
in SQL for a table (`older_than_stored`) and for a file stream's parts (`newest_first`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from clientsuccess_connector.sinks.sql import quote

EVER = "'-infinity'::TIMESTAMPTZ"
"""The `since` of a sink used without a run: every stored version counts as the run's."""


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


def older_than_stored(stored: str, incoming: str, written: str, since: str) -> str:
    """SQL true when the `incoming` version (a column reference) is older than the `stored`
    one the same run wrote (`written`, its `_cs_synced_at`, at or after `since`, a SQL value):
    the stored version has a stamp and the incoming has none or an earlier one."""
    return (
        f"({written} >= {since} AND {stored} IS NOT NULL "
        f"AND ({incoming} IS NULL OR {stored} > {incoming}))"
    )


def newest_first(column: str, seq: str, written: str, since: str) -> str:
    """The DuckDB value whose maximum picks the version to keep: one the run wrote (`written`
    at or after `since`) before one of an earlier run; among the run's, stamped before
    unstamped, the latest stamp, then the latest arrival (`seq`); among earlier runs', the
    latest arrival."""
    col = quote(column)
    this_run = f"({written} >= {since})"
    return (
        f"{{'this_run': {this_run}, 'stamped': {this_run} AND {col} IS NOT NULL, "
        f"'stamp': CASE WHEN {this_run} THEN {col} END, 'seq': {seq}}}"
    )
