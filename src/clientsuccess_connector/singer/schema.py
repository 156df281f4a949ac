"""A stream's JSON Schema for Singer, from the column types our schema inference finds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clientsuccess_connector.integration.columns import Columns
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


def property_schema(kind: ColumnType | None, *, nullable: bool = True) -> dict[str, Any]:
    """One field's schema; a field seen only as null may hold anything."""
    if kind is None:
        return {}
    schema = {**_TYPES[kind], "type": list(_TYPES[kind]["type"])}
    if nullable:
        schema["type"] = ["null", *schema["type"]]
    return schema


def stream_schema(columns: Columns, key: Sequence[str]) -> dict[str, Any]:
    """An object schema with one property per column (key fields never null); fields the
    sample did not show are allowed too, as the API adds fields without notice."""
    return {
        "type": "object",
        "properties": {
            name: property_schema(kind, nullable=name not in key) for name, kind in columns.items()
        },
        "additionalProperties": True,
    }


def _kind_of(prop: Any) -> tuple[bool, ColumnType | None]:
    """(True, the column type) when `prop` is a property schema of ours, else (False, None)."""
    if prop == {}:
        return True, None
    for kind in _TYPES:
        if prop in (property_schema(kind), property_schema(kind, nullable=False)):
            return True, kind
    return False, None


def widened(schema: dict[str, Any], columns: Columns, key: Sequence[str]) -> dict[str, Any] | None:
    """`schema` with the properties that `columns` show too narrow widened, and the properties
    it lacks added; None when nothing changes. Properties we did not write are left alone."""
    properties = dict(schema.get("properties") or {})
    changed = False
    for name, kind in columns.items():
        if kind is None:
            continue
        ours, have = _kind_of(properties[name]) if name in properties else (True, None)
        merged = kind if have is None else widen(have, kind)
        if ours and (merged != have or name not in properties):
            properties[name] = property_schema(merged, nullable=name not in key)
            changed = True
    return {**schema, "properties": properties} if changed else None
