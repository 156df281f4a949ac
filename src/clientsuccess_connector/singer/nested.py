"""JSON Schemas of nested values (objects and arrays), built from the values a stream shows and
merged as more arrive: objects get `properties`, arrays `items`, every part may be null.

Meltano and SDK targets flatten or type a nested field from these; a bare
`["object", "array"]` told them nothing. Properties are never required and objects allow
others, so a later record with a new nested key still validates; a value of a new type widens
the schema, and the tap then announces it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_ORDER = ("null", "boolean", "integer", "number", "string", "object", "array")
NULL_ONLY = {"type": ["null", "string"], "description": "seen only as null so far"}
"""A field seen only as null: typed as text (the commonest case), and marked so that the first
value of another type replaces it rather than widening it."""
_KEYS = {"type", "properties", "items", "additionalProperties", "description"}


def is_nested(schema: Any) -> bool:
    """Whether `schema` is one of ours (so it may be merged), not a hand-written one."""
    return (
        isinstance(schema, dict) and set(schema) <= _KEYS and isinstance(schema.get("type"), list)
        and set(schema["type"]) <= set(_ORDER) and "null" in schema["type"]
    )  # fmt: skip


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def value_schema(value: Any) -> dict[str, Any]:
    """The schema of one value (nullable at every level)."""
    if isinstance(value, dict):
        return {
            "type": ["null", "object"],
            "properties": {str(k): value_schema(v) for k, v in value.items()},
            "additionalProperties": True,
        }
    if isinstance(value, list):
        return {"type": ["null", "array"], "items": values_schema(value)}
    kind = _scalar(value)
    return dict(NULL_ONLY) if kind == "null" else {"type": ["null", kind]}


def values_schema(values: Iterable[Any]) -> dict[str, Any]:
    """One schema every value fits (the null-only placeholder for none)."""
    merged: dict[str, Any] | None = None
    for value in values:
        schema = value_schema(value)
        merged = schema if merged is None else merge(merged, schema)
    return merged if merged is not None else dict(NULL_ONLY)


def merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The narrowest schema of ours that both `a` and `b` allow."""
    if not a or not b:
        return {}
    null_only = (a == NULL_ONLY, b == NULL_ONLY)
    if any(null_only) and not all(null_only):  # a typed value replaces the placeholder
        return b if null_only[0] else a
    kinds = set(a["type"]) | set(b["type"])
    if "number" in kinds:
        kinds.discard("integer")
    merged: dict[str, Any] = {"type": [k for k in _ORDER if k in kinds]}
    if "object" in kinds:
        props = dict(a.get("properties") or {})
        for name, schema in (b.get("properties") or {}).items():
            props[name] = merge(props[name], schema) if name in props else schema
        merged["properties"] = props
        merged["additionalProperties"] = True
    if "array" in kinds:
        items = [s["items"] for s in (a, b) if "items" in s]
        merged["items"] = merge(*items) if len(items) == 2 else items[0]
    return merged
