"""Records a run already wrote, so that none is written twice within one run.

An incremental read re-reads a short overlap and, after a full pass, what changed during it;
a merging target absorbs that, but an append-only one (`target-jsonl`) would keep every copy. A
record whose key was written before with the same content is dropped; one whose content changed
is written again, as it is a new version of the record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson


def _digest(record: dict[str, Any]) -> int:
    try:
        return hash(orjson.dumps(record, option=orjson.OPT_SORT_KEYS))
    except TypeError:  # integers beyond 64 bits, lone surrogates
        return hash(json.dumps(record, sort_keys=True, default=str))


class Repeats:
    """What one stream wrote this run: key -> digest of the content last written."""

    def __init__(self, key: Sequence[str]) -> None:
        self.key = tuple(key)
        self._written: dict[int, int] = {}

    def new(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The records not yet written with this content."""
        for record in records:
            key = hash(tuple(repr(record.get(k)) for k in self.key))
            digest = _digest(record)
            if self._written.get(key) != digest:
                self._written[key] = digest
                yield record
