"""Deletes for dlt: the keys a stream holds, kept in the resource state, and after a full read
that proved it read the whole collection (`deletes.py`, the same proof as `sync`), one row per
key it no longer returned, marked with the `hard_delete` column so dlt removes that row.

dlt's merge replaces a whole row, so a soft delete would have to resend the deleted record,
which the API no longer returns; the source therefore removes rows (`deletes: off` on a flow
source turns it off). The keys are remembered from the first run on: the first full read that
has an earlier run's keys to compare with is the first that can delete.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

DELETED = "_cs_deleted"
"""The `hard_delete` column: true on a row that stands for a deleted record."""
KEYS = "clientsuccess_keys"
"""Key of the stream's known primary keys in the resource state."""

Key = Any  # a value, or a list of values for a composite key


def record_key(record: dict[str, Any], key: Sequence[str]) -> Key:
    """The record's primary key as stored in the state (JSON-friendly)."""
    return record.get(key[0]) if len(key) == 1 else [record.get(k) for k in key]


def _hashable(value: Key) -> Any:
    return tuple(value) if isinstance(value, list) else value


class KeyLedger:
    """The keys a stream holds: those of the state, plus every key read this run."""

    def __init__(self, stored: Iterable[Key] | None, key: Sequence[str]) -> None:
        self.key = list(key)
        self.known = {_hashable(k): k for k in stored or ()}
        self.seen: dict[Any, Key] = {}

    def add(self, records: Iterable[dict[str, Any]]) -> None:
        """Note the keys of a batch handed to dlt."""
        for record in records:
            value = record_key(record, self.key)
            self.seen[_hashable(value)] = value

    def stored(self) -> list[Key]:
        """What the state keeps after an incremental run: the known keys and the new ones."""
        return list({**self.known, **self.seen}.values())

    def deleted_rows(self) -> list[dict[str, Any]]:
        """After a proven full read: a `hard_delete` row per known key not read again."""
        gone = [v for h, v in self.known.items() if h not in self.seen]
        rows = []
        for value in gone:
            values = value if isinstance(value, list) else [value]
            rows.append({**dict(zip(self.key, values, strict=False)), DELETED: True})
        return rows
