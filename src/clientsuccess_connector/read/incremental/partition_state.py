"""The state of a fan-out stream: one cursor per lookup value (partition), in one document.

    {"cursor_field": "modifiedTime", "partition_by": ["contracts.id"], "precision": "ms",
     "partitions": {"[17]": "2026-11-29T08:54:46.123Z", "[18]": "2026-11-28T17:02:11.000Z"}}

A partition is named by the JSON list of its lookup values in `partition_by` order, so types
stay apart (`[17]` and `["17"]` are two values). The server's precision is one per stream.
Only values of the current lookup are kept, so the state grows with the lookup, not with time:
about 35 bytes a value. A value without a cursor (new, or dropped from the lookup and back) is
read in full; so is a value whose last read found no records, kept as `"empty"` (EMPTY). A
state without `partitions` (the single cursor earlier versions kept for every value) or with
other `partition_by` names no values: each is read in full once, never skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from clientsuccess_connector.read.incremental.precision import UNITS, coarser
from clientsuccess_connector.read.incremental.protocol import EMPTY

__all__ = ["PartitionedState", "partition_key", "state_summary"]

State = dict[str, Any]


def partition_key(values: Mapping[str, Any]) -> str:
    """The name of a partition: the JSON list of its lookup values, sorted by lookup column."""
    ordered = [values[name] for name in sorted(values)]
    return orjson.dumps(ordered, default=str, option=orjson.OPT_SORT_KEYS).decode()


class PartitionedState:
    """Per-partition cursors of one fan-out stream; not thread-safe (the caller locks)."""

    def __init__(
        self,
        field: str,
        partition_by: Iterable[str],
        precision: str | None = None,
        cursors: Mapping[str, str] | None = None,
    ) -> None:
        self.field = field
        self.partition_by = sorted(partition_by)
        self.precision = precision if precision in UNITS else None
        self.cursors: dict[str, str] = dict(cursors or {})

    @classmethod
    def load(
        cls, state: Mapping[str, Any] | None, field: str, partition_by: Iterable[str]
    ) -> PartitionedState:
        """The stored state: its cursors when it has them for the same lookup columns; from a
        single-cursor state (or other columns) only the server's precision is kept."""
        if state is None or state.get("cursor_field") != field:
            return cls(field, partition_by)
        loaded = cls(field, partition_by, state.get("precision"))
        partitions = state.get("partitions")
        if isinstance(partitions, Mapping) and state.get("partition_by") == loaded.partition_by:
            loaded.cursors = {k: v for k, v in partitions.items() if isinstance(v, str)}
        return loaded

    def of(self, key: str) -> State | None:
        """The state one partition's incremental read starts from (None: read it in full)."""
        cursor = self.cursors.get(key)
        if cursor is None:
            return None
        state: State = {"cursor_field": self.field}
        state.update({EMPTY: True} if cursor == EMPTY else {"cursor": cursor})
        if self.precision is not None:
            state["precision"] = self.precision
        return state

    def update(self, key: str, state: Mapping[str, Any]) -> None:
        """Record a partition's committed state (its cursor, and the precision it learnt)."""
        cursor = EMPTY if state.get(EMPTY) else state.get("cursor")
        if isinstance(cursor, str):
            self.cursors[key] = cursor
        elif "cursor" not in state:  # a read that failed unproven: the value starts over
            self.cursors.pop(key, None)
        unit = state.get("precision")
        if unit in UNITS and (self.precision is None or _coarser_than(unit, self.precision)):
            self.precision = unit

    def keep_only(self, keys: Iterable[str]) -> None:
        """Forget the cursors of values no longer in the lookup (read in full if they return)."""
        wanted = set(keys)
        self.cursors = {k: v for k, v in self.cursors.items() if k in wanted}

    def to_state(self) -> State:
        """The document to store."""
        state: State = {"cursor_field": self.field, "partition_by": self.partition_by}
        if self.precision is not None:
            state["precision"] = self.precision
        state["partitions"] = dict(self.cursors)
        return state


def state_summary(state: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A state short enough to show: a partitioned one as its count and oldest/newest cursor."""
    if state is None or not isinstance(state.get("partitions"), Mapping):
        return None if state is None else dict(state)
    cursors = sorted(v for v in state["partitions"].values() if isinstance(v, str) and v != EMPTY)
    short = {k: v for k, v in state.items() if k != "partitions"}
    short["partitions"] = len(state["partitions"])
    if cursors:
        short.update(oldest_cursor=cursors[0], newest_cursor=cursors[-1])
    return short


def _coarser_than(unit: str, other: str) -> bool:
    step = coarser(other)
    while step is not None:
        if step == unit:
            return True
        step = coarser(step)
    return False
