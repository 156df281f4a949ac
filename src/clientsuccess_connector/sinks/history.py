"""History mode (`history: scd2`): every version of a stream's records, in `<table>__history`.

The stream's own table stays as it is (the newest version of each record, merged on its key),
so existing queries keep working. Beside it, `<table>__history` holds one row per version, with
dlt's scd2 columns under our prefix: `_cs_valid_from` (when this sync first saw the version),
`_cs_valid_to` (when a later sync saw it change or found the record deleted; NULL while it is
current) and `_cs_row_hash` (a hash of the record as the API sent it, so a record read again
unchanged adds nothing). Its key is the stream's key plus `_cs_valid_from`.

It is built from `write_batch` and `read_rows` alone, so it works in every destination. Each
batch's versions are committed before the batch itself: a crash between the two leaves versions
whose records the next run reads again, and finds unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from clientsuccess_connector.errors import ConfigError
from clientsuccess_connector.sinks.base import DELETED_AT, SYNCED_AT, Sink

HISTORY_SUFFIX = "__history"
VALID_FROM = "_cs_valid_from"
VALID_TO = "_cs_valid_to"
ROW_HASH = "_cs_row_hash"
HISTORY_MODES = ("scd2", "off")
"""A source's `history:`: keep every version (`scd2`), or only the newest (`off`, the default)."""
_NOT_HASHED = ("_metadata",)


def wants_history(own: str | None, flag: bool, name: str) -> bool:
    """Whether stream `name` keeps history: `sync --history` turns it on for every stream,
    else the source's own `history:` decides (off by default)."""
    if own not in (None, *HISTORY_MODES):
        raise ConfigError(
            f"source {name!r}: history {own!r} is not one of {', '.join(HISTORY_MODES)}"
        )
    return flag or own == "scd2"


def row_hash(record: Mapping[str, Any]) -> str:
    """A hash of a record's values as the API sent them (our own `_cs_*` fields left out)."""
    values = {k: v for k, v in record.items() if not k.startswith("_cs_") and k not in _NOT_HASHED}
    text = orjson.dumps(values, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.blake2b(text, digest_size=16).hexdigest()


class History:
    """The versions of one stream in one destination, with its current versions in memory.

    Memory: one row per record of the stream (its current version), loaded once per run."""

    def __init__(self, sink: Sink, table: str, primary_key: Sequence[str]) -> None:
        self.sink = sink
        self.table = table
        self.name = table + HISTORY_SUFFIX
        self.primary_key = tuple(primary_key)
        self._current: dict[tuple[Any, ...], dict[str, Any]] | None = None

    def _as_records(self, stream: str) -> list[dict[str, Any]]:
        """The rows of `stream` keyed as records are (`clientId`, not its `client_id` column,
        so that written again they land in the same columns), without `_cs_synced_at`; a row
        marked deleted keeps its `_cs_deleted_at`."""
        keys = self.sink.record_keys(stream)
        records = []
        for row in self.sink.read_rows(stream):
            row.pop(SYNCED_AT, None)
            deleted = row.pop(DELETED_AT, None)
            record = {keys.get(column, column): value for column, value in row.items()}
            if deleted is not None:
                record[DELETED_AT] = deleted
            records.append(record)
        return records

    def _key(self, record: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(record.get(k) for k in self.primary_key)

    def _load(self) -> dict[tuple[Any, ...], dict[str, Any]]:
        if self._current is None:
            exists = self.name in self.sink.streams()
            rows = self._as_records(self.name) if exists else []
            self._current = {self._key(r): r for r in rows if r.get(VALID_TO) is None}
        return self._current

    def record(self, records: Sequence[Mapping[str, Any]]) -> int:
        """Commit the versions `records` bring (the later of two with one key wins, as in the
        merge); returns the new versions."""
        current = self._load()
        latest: dict[tuple[Any, ...], Mapping[str, Any]] = {}
        for record in records:
            latest[self._key(record)] = record
        now = datetime.now(UTC)
        rows: list[dict[str, Any]] = []
        opened: dict[tuple[Any, ...], dict[str, Any]] = {}
        for key, record in latest.items():
            digest = row_hash(record)
            old = current.get(key)
            if old is not None and old.get(ROW_HASH) == digest:
                continue
            if old is not None:
                rows.append({**old, VALID_TO: now})
            version = {**record, ROW_HASH: digest, VALID_FROM: now, VALID_TO: None}
            rows.append(version)
            opened[key] = version
        if rows:
            self.sink.write_batch(self.name, rows, [*self.primary_key, VALID_FROM])
            current.update(opened)
        return len(opened)

    def close_missing(self) -> int:
        """After a reconciliation: end the current version of each record whose row is gone
        or marked deleted. Returns the versions closed."""
        current = self._load()
        live = {self._key(r) for r in self._as_records(self.table) if DELETED_AT not in r}
        now = datetime.now(UTC)
        gone = [key for key in current if key not in live]
        if gone:
            rows = [{**current[key], VALID_TO: now} for key in gone]
            self.sink.write_batch(self.name, rows, [*self.primary_key, VALID_FROM])
            for key in gone:
                del current[key]
        return len(gone)
