"""How a value's column type is inferred, and how two types widen into one that holds both."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from clientsuccess_connector.sinks.base import ColumnType

TIMESTAMP_RE = re.compile(
    r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
    r"T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?"
    r"(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)"
)
"""ISO-8601 datetimes with a `T`, a time and a zone (`Z` or an offset), at most microseconds:
exactly what TIMESTAMPTZ holds without loss. Anything else stays text."""

_SCALAR_TYPES: dict[type, ColumnType] = {
    bool: "boolean",
    int: "integer",
    float: "float",
    dict: "json",
    list: "json",
    tuple: "json",
    datetime: "timestamp",
}
_TIMESTAMP_ANCHORED = f"^(?:{TIMESTAMP_RE.pattern})$"


def widen(old: ColumnType | None, new: ColumnType | None) -> ColumnType | None:
    """The narrowest type holding values of both: integer -> float -> text; boolean or
    timestamp against anything else -> text; anything against json -> json."""
    if old is None:
        return new
    if new is None or new == old:
        return old
    if "json" in (old, new):
        return "json"
    if {old, new} == {"integer", "float"}:
        return "float"
    return "text"


def is_timestamp(value: str) -> bool:
    """True for ISO-8601 datetime strings with a zone that a timestamp column stores exactly."""
    return TIMESTAMP_RE.fullmatch(value) is not None


def infer_column(values: list[Any], known: ColumnType | None) -> ColumnType | None:
    """Type of a column holding `values`, given the type already `known` for it (None if the
    column has only seen nulls). Column-wise: one set() of Python types, then (only while the
    column can still be a timestamp) one vectorised regex over its strings."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    result = known
    has_str = False
    for kind in kinds:
        if kind is str:
            has_str = True
            continue
        mapped = _SCALAR_TYPES.get(kind) or _subclass_type(kind)
        result = widen(result, mapped)
    if has_str:
        if result in (None, "timestamp") and all_timestamps(values):
            result = widen(result, "timestamp")
        else:
            result = widen(result, "text")
    return result


def all_timestamps(values: list[Any]) -> bool:
    """True if every str in `values` is a timestamp string (checked in Arrow, vectorised)."""
    first = next((v for v in values if type(v) is str), "")
    if not TIMESTAMP_RE.fullmatch(first):
        return False
    try:
        strings = pa.array(values, pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # datetime objects among the strings
        strings = pa.array([v for v in values if type(v) is str], pa.string())
    return bool(pc.all(timestamp_matches(strings)).as_py())


def timestamp_matches(strings: pa.Array) -> pa.Array:
    """Per string, whether it is a timestamp string (`is_timestamp`, vectorised)."""
    return pc.match_substring_regex(strings, _TIMESTAMP_ANCHORED)


def _subclass_type(kind: type) -> ColumnType:
    """Type for subclasses (bool before int: bool is an int in Python) and unknown types."""
    for base, mapped in _SCALAR_TYPES.items():
        if issubclass(kind, base):
            return mapped
    return "text"
