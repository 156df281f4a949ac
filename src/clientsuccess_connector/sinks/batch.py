"""Turn a batch of records into typed columns: de-duplicate on the primary key, infer and widen
types column-wise, and convert values to what each column stores."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from clientsuccess_connector.sinks.base import ColumnType
from clientsuccess_connector.sinks.stream_schema import ColumnState, StreamSchema
from clientsuccess_connector.sinks.typing_rules import (
    infer_column,
    is_timestamp,
    timestamp_matches,
    widen,
)
from clientsuccess_connector.sinks.values import json_text, repair_texts
from clientsuccess_connector.sinks.versions import version_order

log = logging.getLogger(__name__)
ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    "integer": pa.int64(),
    "float": pa.float64(),
    "boolean": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "text": pa.large_string(),
    "json": pa.large_string(),
}


@dataclass(frozen=True)
class Change:
    """A schema change a batch needs: a new column, or an existing one whose type widens.

    `old` is None for a new column; for a column that only held nulls it is "text"."""

    column: str
    old: ColumnType | None
    new: ColumnType


@dataclass(frozen=True)
class Reject:
    """A record that cannot be stored, and why."""

    record: Mapping[str, Any]
    reason: str


@dataclass
class PreparedBatch:
    """A batch ready to load: the schema after it, the changes to apply first, and its columns
    as Arrow arrays (timestamps parsed, json as serialized text)."""

    schema: StreamSchema
    changes: list[Change]
    primary_key: list[str]
    names: list[str]
    arrays: dict[str, pa.Array]
    types: dict[str, ColumnType]
    rows: int
    repaired: int = 0
    """Values whose NUL characters or lone surrogates were replaced with U+FFFD."""
    rejects: list[Reject] = field(default_factory=list)
    """Records that cannot be stored (each with the reason); the others are."""
    newest: str | None = None
    """The column whose latest value marks a record's newest version (None: the latest
    arrival is the newest); a stored row newer than the batch's is not written over."""

    def to_arrow(self) -> pa.Table:
        """The batch as one Arrow table (no `_cs_synced_at`)."""
        return pa.table({n: self.arrays[n] for n in self.names})

    def reject_rows(self, stream: str) -> list[tuple[str, str, str]]:
        """(stream, reason, record as JSON text) for each reject, storable anywhere."""
        texts, _ = repair_texts([json_text(r.record) for r in self.rejects], json=True)
        return [(stream, r.reason, t or "") for r, t in zip(self.rejects, texts, strict=True)]


def dedupe(
    records: Sequence[Mapping[str, Any]],
    primary_key: Sequence[str],
    newest_by: str | None = None,
) -> tuple[list[Mapping[str, Any]], list[Reject]]:
    """Records with a unique primary key, the newest by `newest_by` winning (versions.py), the
    later one where there is no such field; records without a value for the key are set aside
    as rejects (they cannot be merged)."""
    if not primary_key:
        return list(records), []
    if len(primary_key) == 1:
        keys: list[Any] = column_values(records, primary_key[0])
        missing = [i for i, k in enumerate(keys) if k is None] if None in keys else []
    else:
        keys = [tuple(r.get(k) for k in primary_key) for r in records]
        missing = [i for i, k in enumerate(keys) if None in k]
    rejects = []
    if missing:
        reason = f"no value for primary key {', '.join(primary_key)}"
        rejects = [Reject(records[i], reason) for i in missing]
        gone = set(missing)
        records = [r for i, r in enumerate(records) if i not in gone]
        keys = [k for i, k in enumerate(keys) if i not in gone]
    try:
        unique = len(set(keys))
        hashable = keys
    except TypeError:  # a nested value in the key: compare its JSON text
        hashable = [_hashable(k) for k in keys]
        unique = len(set(hashable))
    if unique == len(records):
        return list(records), rejects
    if newest_by is None:
        return list(dict(zip(hashable, records, strict=True)).values()), rejects
    newest: dict[Any, Mapping[str, Any]] = {}
    for key, record in zip(hashable, records, strict=True):
        held = newest.get(key)
        if held is None or version_order(record.get(newest_by)) >= version_order(
            held.get(newest_by)
        ):
            newest[key] = record
    return list(newest.values()), rejects


def _hashable(key: Any) -> Any:
    if isinstance(key, tuple):
        return tuple(_hashable(p) for p in key)
    if isinstance(key, (dict, list)):
        return orjson.dumps(key, option=orjson.OPT_SORT_KEYS)
    return key


def record_keys(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every key of the batch, in order of first appearance."""
    if not records:
        return []
    ordered = list(records[0])
    extra = set().union(*records).difference(ordered)
    if extra:
        for record in records:
            for key in record:
                if key in extra:
                    ordered.append(key)
                    extra.discard(key)
            if not extra:
                break
    return ordered


def column_values(rows: Sequence[Mapping[str, Any]], key: str) -> list[Any]:
    """The values of `key` across `rows` (None where a row lacks it)."""
    try:
        return list(map(itemgetter(key), rows))
    except KeyError:
        return [r.get(key) for r in rows]


def prepare_batch(
    schema: StreamSchema,
    records: Sequence[Mapping[str, Any]],
    primary_key: Sequence[str],
    stream: str,
    newest_by: str | None = None,
) -> PreparedBatch:
    """Plan and convert one batch against the stream's current `schema` (left unchanged);
    `newest_by`: the field whose latest value picks a record's newest version."""
    rows, rejects = dedupe(records, primary_key, newest_by)
    repaired = 0
    new_schema = schema.copy()
    changes: list[Change] = []
    names: list[str] = []
    arrays: dict[str, pa.Array] = {}
    types: dict[str, ColumnType] = {}
    pk_names = [new_schema.column_for(k) for k in primary_key]
    keys = record_keys(rows)
    for key in primary_key:
        if key not in keys:
            keys.append(key)
    for key in keys:
        name = new_schema.column_for(key)
        raw = column_values(rows, key)
        state = new_schema.columns.get(name)
        known = state.type if state else None
        inferred, arrow, final, fixed = _typed_column(raw, known)
        repaired += fixed
        if state is None:
            state = ColumnState(name, final if inferred is not None else None)
            new_schema.columns[name] = state
            changes.append(Change(name, None, state.effective_type))
        elif inferred is not None and final != known:
            changes.append(Change(name, state.effective_type, final))
            state.type = final
        names.append(name)
        arrays[name], types[name] = arrow, state.effective_type
    created = {c.column for c in changes if c.old is None}
    new_schema.primary_key += [n for n in pk_names if n in created]
    for key, column in new_schema.collisions:
        log.warning("%s: field %r is stored in column %r, its own name being taken by another "
                    "field (the mapping is in _cs_schema)", stream, key, column)  # fmt: skip
    new_schema.collisions = []
    newest = new_schema.keys.get(newest_by) if newest_by is not None else None
    return PreparedBatch(
        new_schema, changes, pk_names, names, arrays, types, len(rows), repaired, rejects,
        newest if newest in arrays else None,
    )  # fmt: skip


def _typed_column(
    raw: list[Any], known: ColumnType | None
) -> tuple[ColumnType | None, pa.Array, ColumnType, int]:
    """The column's inferred type (None: only nulls), its Arrow array, the type it is stored
    with and how many of its values needed characters replaced."""
    fast = _arrow_column(raw, known)
    if fast is not None:
        return fast
    inferred = infer_column(raw, known)
    return (inferred, *_convert(raw, inferred))


_ARROW_KINDS: dict[pa.DataType, ColumnType | None] = {
    pa.int64(): "integer",
    pa.bool_(): "boolean",
    pa.string(): "text",
    pa.null(): None,
}
"""Types Arrow infers only from values of exactly one of our kinds: ints (never bools),
bools, str. A double column may hold bools and ints (ours: text), so it takes the Python
path, as do nested values (Arrow makes structs; ours is JSON text)."""
_INFERABLE = (int, bool, str)


def _arrow_column(
    raw: list[Any], known: ColumnType | None
) -> tuple[ColumnType | None, pa.Array, ColumnType, int] | None:
    """The column typed and converted by Arrow in one C pass (no Python object per value),
    when its values are all ints, all bools or all str that need no repair and its type does
    not widen; None otherwise: then `infer_column` and `_convert` decide, by the same rules."""
    for first in raw:
        if first is not None:
            if not isinstance(first, _INFERABLE):
                return None
            break
    try:
        array = pa.array(raw)
    except (pa.ArrowException, OverflowError, TypeError, ValueError):  # mixed, huge, surrogate
        return None
    if not isinstance(array, pa.Array) or array.type not in _ARROW_KINDS:
        return None
    kind = _ARROW_KINDS[array.type]
    if kind is None:  # only nulls: the column keeps its type
        return known, pa.nulls(len(raw), ARROW_TYPES[known or "text"]), known or "text", 0
    if kind == "text" and known in (None, "timestamp") and _timestamps(array, first):
        try:
            converted = pc.cast(array, ARROW_TYPES["timestamp"])
            kind = "timestamp"
        except pa.ArrowInvalid:  # e.g. 30 February: the column is text, as `_convert` decides
            kind = "text"
    if widen(known, kind) != kind:
        return None
    if kind == "text":
        data = array.buffers()[2]
        if data is not None and b"\x00" in data.to_pybytes():  # NUL: `repair_texts` replaces it
            return None
        converted = array.cast(ARROW_TYPES["text"])
    elif kind != "timestamp":
        converted = array
    return kind, converted, kind, 0


def _timestamps(strings: pa.Array, first: str) -> bool:
    """True if every string of the column is a timestamp string (the rule of
    `typing_rules.all_timestamps`, on the Arrow array already built)."""
    return is_timestamp(first) and bool(pc.all(timestamp_matches(strings)).as_py())


def _convert(raw: list[Any], kind: ColumnType | None) -> tuple[pa.Array, ColumnType, int]:
    """The column as an Arrow array of type `kind` (None: all nulls, stored as text), and how
    many of its values needed characters replaced. A timestamp string Arrow cannot parse
    (e.g. 30 February) or an integer beyond 64 bits makes the column text."""
    if kind is None:
        return pa.nulls(len(raw), ARROW_TYPES["text"]), "text", 0
    try:
        if kind == "timestamp":
            texts = raw if _only(raw, str) else [_timestamp_text(v) for v in raw]
            return pc.cast(pa.array(texts, pa.string()), ARROW_TYPES["timestamp"]), kind, 0
        if kind == "json":
            return _json_column(raw)
        if kind == "text":
            texts = raw if _only(raw, str) else [to_text(v) for v in raw]
            texts, repaired = repair_texts(texts, json=False)
            return pa.array(texts, ARROW_TYPES[kind]), kind, repaired
        return pa.array(raw, ARROW_TYPES[kind]), kind, 0
    except (OverflowError, pa.ArrowInvalid):  # a bad date, or an int beyond 64 bits: as text
        if kind == "text":
            raise
        return _convert(raw, "text")


def _json_column(raw: list[Any]) -> tuple[pa.Array, ColumnType, int]:
    """The values as JSON text, each written once: by orjson, whose text is valid UTF-8 with
    NUL escaped, so a `\\u0000` escape (checked in the Arrow buffer) is the only repair it can
    need; by the exact encoder for what orjson refuses (an int beyond 64 bits, a lone
    surrogate, deep nesting), whose text is then repaired.

    (Each text is decoded as soon as it is written: keeping orjson's bytes objects alive to
    build a binary array instead costs ten times more, their buffers being oversized.)"""
    dumps = orjson.dumps
    try:
        texts = [None if v is None else dumps(v).decode() for v in raw]
    except TypeError:
        texts = [None if v is None else json_text(v) for v in raw]
    else:
        array = pa.array(texts, ARROW_TYPES["json"])
        data = array.buffers()[2]
        if data is None or b"\\u0000" not in data.to_pybytes():
            return array, "json", 0
    texts, repaired = repair_texts(texts, json=True)
    return pa.array(texts, ARROW_TYPES["json"]), "json", repaired


def _only(raw: list[Any], kind: type) -> bool:
    kinds = set(map(type, raw))
    kinds.discard(type(None))
    return kinds <= {kind}


def _timestamp_text(value: Any) -> str | None:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value  # type: ignore[no-any-return]


def to_text(value: Any) -> str | None:
    """A scalar as text, the way SQL casts render it (true/false, 1.5, ISO datetimes)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (dict, list, tuple)):
        return json_text(value)
    return str(value)


_LONG_DIGITS = re.compile(r"\d{19}")  # may be beyond 64 bits, which orjson reads as a float


def load_json(text: str) -> Any:
    """JSON text stored by `json_text`, back to values: integers beyond 64 bits come back
    exact (the stdlib parser) where orjson would turn them into floats."""
    if _LONG_DIGITS.search(text):
        return json.loads(text)
    return orjson.loads(text)
