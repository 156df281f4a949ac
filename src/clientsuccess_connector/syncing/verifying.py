"""Verify: compare a destination with the server, stream by stream, by primary key.

An independent check, to schedule beside `sync`: it trusts neither the sync's state nor its
cursor. It reads the ids (and incremental stamps) the source selects on the server itself,
through the same request plan as `sync` (filters, fan-outs, date macros) but paged until an
empty page (`read/until_empty.py`), so a server that caps its page size or gives no count
cannot make it stop early; ids listed twice count once. The destination's keys and stamps come
from `Sink.key_rows`. Nothing is written anywhere. Memory grows with the ids, not the records.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from clientsuccess_connector.connection import Connection, ConnectionStats
from clientsuccess_connector.errors import ConnectorError
from clientsuccess_connector.read.endpoint import Source
from clientsuccess_connector.read.lookups import LookupTable
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.read.run import ReadRun
from clientsuccess_connector.read.timestamps import format_timestamp, parse_timestamp
from clientsuccess_connector.read.until_empty import until_empty
from clientsuccess_connector.sinks.base import KeyRow, Sink
from clientsuccess_connector.sinks.values import json_text

__all__ = ["DEFAULT_SHOWN_IDS", "StreamCheck", "verify", "verify_stream"]

DEFAULT_SHOWN_IDS = 20
"""Ids listed per kind of difference (the counts are always whole)."""
OK, DRIFT, ERROR, UNVERIFIABLE = "ok", "drift", "error", "not verifiable"
Key = tuple[Any, ...]


@dataclass
class Difference:
    """One kind of difference: how many ids, and the first of them in id order."""

    count: int = 0
    ids: list[Any] = field(default_factory=list)


@dataclass
class StreamCheck:
    """What `verify` found for one stream."""

    stream: str
    status: str = OK  # ok | drift | error | not verifiable
    reason: str = ""  # why it is not ok, in a few words
    server_ids: int | None = None  # distinct ids the source selects on the server
    server_rows: int | None = None  # records the server listed (an id listed twice counts twice)
    destination_rows: int | None = None  # rows not marked deleted
    destination_deleted: int | None = None  # rows marked deleted (`_cs_deleted_at`)
    server_newest: str | None = None  # the newest incremental stamp on each side
    destination_newest: str | None = None
    missing: Difference = field(default_factory=Difference)  # on the server, not stored
    extra: Difference = field(default_factory=Difference)  # stored, no longer on the server
    stale: Difference = field(default_factory=Difference)  # stored stamp older than the server's
    duplicates: Difference = field(default_factory=Difference)  # a key stored more than once
    requests: int = 0


def unverifiable(source: Source) -> str | None:
    """Why `source`'s table cannot be compared with the server by id (None: it can)."""
    if not source.primary_key:
        return "no primary key: rows cannot be matched to records"
    if source.max_records is not None or source.pagination.max_pages is not None:
        return "max_records or max_pages: its table holds a chosen part of what it selects"
    return None


def verify(
    connection: Connection,
    sink: Sink,
    sources: Mapping[str, Source],
    *,
    lookups: Mapping[str, LookupTable] | None = None,
    shown_ids: int | None = DEFAULT_SHOWN_IDS,
) -> list[StreamCheck]:
    """Compare every source's table in `sink` with what the source selects on the server.

    `shown_ids` caps the ids listed per kind of difference (None: all of them)."""
    with Reader(connection, lookups=lookups) as reader:
        return [verify_stream(reader, sink, s, shown_ids) for s in sources.values()]


def verify_stream(
    reader: Reader, sink: Sink, source: Source, shown_ids: int | None = DEFAULT_SHOWN_IDS
) -> StreamCheck:
    """One stream's comparison; an API or destination error makes its status `error`."""
    check = StreamCheck(source.name)
    why = unverifiable(source)
    if why is not None:
        check.status, check.reason = UNVERIFIABLE, why
        return check
    stats = ConnectionStats()
    try:
        server = _server_side(reader, source, stats, check)
        table = sink.table_name(source.name)
        if table in sink.streams():
            rows = sink.key_rows(table, source.primary_key, source.incremental_field)
            _compare(server, rows, check, shown_ids)
        else:
            check.destination_rows = check.destination_deleted = 0
            check.missing = _difference(server, shown_ids)
            check.reason = f"no table {table!r} in the destination"
    except ConnectorError as exc:
        check.status, check.reason = ERROR, str(exc)
    except Exception as exc:  # e.g. the database refused the query: fail this stream, not all
        first = str(exc).splitlines()[0] if str(exc) else ""
        check.status, check.reason = ERROR, f"{type(exc).__name__}: {first}"
    finally:
        check.requests = stats.requests
    if check.status == OK and _drifted(check):
        check.status = DRIFT
        check.reason = "; ".join(r for r in (check.reason, _counts(check)) if r)
    return check


def _server_side(
    reader: Reader, source: Source, stats: ConnectionStats, check: StreamCheck
) -> dict[Key, datetime | None]:
    """Every id the source selects on the server, with its newest stamp."""
    plan = replace(source, pagination=until_empty(source.pagination))
    stamps: dict[Key, datetime | None] = {}
    listed = 0
    for page in reader.pages(plan, ReadRun(stats=stats)):
        listed += len(page)
        for record in page:
            key = _key(record.get(k) for k in source.primary_key)
            stamp = _moment(record.get(source.incremental_field or ""))
            if key not in stamps or _newer(stamp, stamps[key]):
                stamps[key] = stamp
    check.server_ids, check.server_rows = len(stamps), listed
    check.server_newest = _newest(stamps.values())
    return stamps


def _compare(
    server: dict[Key, datetime | None],
    batches: Iterator[list[KeyRow]],
    check: StreamCheck,
    shown_ids: int | None,
) -> None:
    """Walk the destination's rows once against the server's ids; what is left is missing."""
    extra: list[Key] = []
    stale: list[Key] = []
    duplicates: list[Key] = []
    matched: set[Key] = set()
    live = deleted = 0
    newest: datetime | None = None
    for batch in batches:
        for row in batch:
            key = _key(row.key)
            if row.deleted:
                deleted += 1
                continue
            live += 1
            stamp = _moment(row.stamp)
            newest = stamp if _newer(stamp, newest) else newest
            if key in matched:
                duplicates.append(key)
            elif key in server:
                matched.add(key)
                theirs = server.pop(key)
                if theirs is not None and (stamp is None or stamp < theirs):
                    stale.append(key)
            else:
                extra.append(key)
    check.destination_rows, check.destination_deleted = live, deleted
    check.destination_newest = format_timestamp(newest) if newest is not None else None
    check.missing = _difference(server, shown_ids)
    check.extra = _difference(extra, shown_ids)
    check.stale = _difference(stale, shown_ids)
    check.duplicates = _difference(set(duplicates), shown_ids)


def _drifted(check: StreamCheck) -> bool:
    kinds = (check.missing, check.extra, check.stale, check.duplicates)
    return any(kind.count for kind in kinds)


def _counts(check: StreamCheck) -> str:
    """`2 missing, 1 no longer on the server, 3 stale`: the differences in words."""
    parts = [
        (check.missing.count, "missing in the destination"),
        (check.extra.count, "no longer on the server"),
        (check.stale.count, "stale (older than on the server)"),
        (check.duplicates.count, "stored more than once"),
    ]
    return ", ".join(f"{n:,} {what}" for n, what in parts if n)


def _difference(keys: Iterable[Key], shown: int | None) -> Difference:
    """The count of `keys` and the first `shown` of them in id order (all when None)."""
    keys = list(keys)
    first = sorted(keys, key=_order) if shown is None else heapq.nsmallest(shown, keys, _order)
    return Difference(len(keys), [k[0] if len(k) == 1 else list(k) for k in first])


def _order(key: Key) -> tuple[tuple[str, Any], ...]:
    """Ids in order: numbers before text, each in its own order."""
    return tuple((type(v).__name__, v) for v in key)


def _key(values: Iterable[Any]) -> Key:
    """A primary key as both sides compare it: whole numbers as int (JSON 5.0 is 5), text
    as text, anything else as its JSON text."""
    out: list[Any] = []
    for value in values:
        if isinstance(value, float) and value.is_integer():
            out.append(int(value))
        elif value is None or isinstance(value, bool | int | str):
            out.append(value)
        else:
            out.append(json_text(value))
    return tuple(out)


def _moment(value: Any) -> datetime | None:
    """A stamp as aware UTC (an API's ISO text, or a destination's timestamp), or None."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return parse_timestamp(value)


def _newer(stamp: datetime | None, than: datetime | None) -> bool:
    return stamp is not None and (than is None or stamp > than)


def _newest(stamps: Iterable[datetime | None]) -> str | None:
    known = [s for s in stamps if s is not None]
    return format_timestamp(max(known)) if known else None
