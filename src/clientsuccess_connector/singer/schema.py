"""A stream's JSON Schema for Singer, from the column types our schema inference finds.

Scalars map one to one; nested objects and arrays get `properties` and `items` from the values
seen (`nested.py`); a field seen only as null takes the type its template declares, else text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from clientsuccess_connector.integration.columns import Columns
from clientsuccess_connector.singer.nested import NULL_ONLY, is_nested, merge, values_schema
from clientsuccess_connector.sinks.base import ColumnType
from clientsuccess_connector.sinks.typing_rules import widen

_TYPES: dict[ColumnType, dict[str, Any]] = {
    "integer": {"type": ["integer"]},
    "float": {"type": ["number"]},
    "boolean": {"type": ["boolean"]},
    "timestamp": {"type": ["string"], "format": "date-time"},
    "text": {"type": ["string"]},
    "json": {"type": ["object", "array"]},
}
Record = Mapping[str, Any]


def property_schema(kind: ColumnType | None, *, nullable: bool = True) -> dict[str, Any]:
    """One field's schema; a field seen only as null is text until a value says otherwise."""
    if kind is None:
        return dict(NULL_ONLY)
    schema = {**_TYPES[kind], "type": list(_TYPES[kind]["type"])}
    if nullable:
        schema["type"] = ["null", *schema["type"]]
    return schema


def _property(name: str, kind: ColumnType | None, key: Sequence[str], records: Sequence[Record],
              declared: Mapping[str, ColumnType]) -> dict[str, Any]:  # fmt: skip
    if kind is None and name in declared and declared[name] != "json":
        kind = declared[name]
    if kind == "json" and records:
        return values_schema(r[name] for r in records if name in r)
    return property_schema(kind, nullable=name not in key)


def stream_schema(
    columns: Columns,
    key: Sequence[str],
    records: Iterable[Record] = (),
    declared: Mapping[str, ColumnType] | None = None,
) -> dict[str, Any]:
    """An object schema with one property per column (key fields never null), nested ones
    described from `records`; fields the sample did not show are allowed too, as the API adds
    fields without notice."""
    sample, types = list(records), declared or {}
    return {
        "type": "object",
        "properties": {
            name: _property(name, kind, key, sample, types) for name, kind in columns.items()
        },
        "additionalProperties": True,
    }


def _kind_of(prop: Any) -> tuple[bool, ColumnType | None]:
    """(True, the column type) when `prop` is a property schema of ours, else (False, None)."""
    if prop in ({}, NULL_ONLY):
        return True, None
    for kind in _TYPES:
        if prop in (property_schema(kind), property_schema(kind, nullable=False)):
            return True, kind
    return (True, "json") if is_nested(prop) else (False, None)


def widened(
    schema: dict[str, Any],
    columns: Columns,
    key: Sequence[str],
    records: Sequence[Record] = (),
) -> dict[str, Any] | None:
    """`schema` with the properties that `columns` (and the nested values of `records`) show
    too narrow widened, and the properties it lacks added; None when nothing changes.
    Properties we did not write are left alone."""
    properties = dict(schema.get("properties") or {})
    changed = False
    for name, kind in columns.items():
        if kind is None:
            continue
        ours, have = _kind_of(properties[name]) if name in properties else (True, None)
        if not ours:
            continue
        merged = kind if have is None else widen(have, kind)
        if merged == "json" and records:
            now = values_schema(r[name] for r in records if name in r)
            before = properties.get(name)
            new = merge(before, now) if isinstance(before, dict) and is_nested(before) else now
        elif merged != have or name not in properties:
            new = property_schema(merged, nullable=name not in key)
        else:
            continue
        if new != properties.get(name):
            properties[name], changed = new, True
    return {**schema, "properties": properties} if changed else None
