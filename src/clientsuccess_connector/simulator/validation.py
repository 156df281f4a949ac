"""Body validation from the catalogue's Param list: required, type, enum, length, range."""

from __future__ import annotations

from typing import Any

from clientsuccess_connector.catalog import Param, Template
from clientsuccess_connector.simulator.responses import HttpError
from clientsuccess_connector.simulator.timefmt import is_date, normalize_timestamp

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "timestamp": "an ISO-8601 timestamp",
    "date": "a YYYY-MM-DD date",
    "object": "a JSON object",
    "array": "a JSON array",
}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def body_params(template: Template) -> list[Param]:
    """The parameters a template takes in the request body."""
    return [p for p in template.params if p.location == "body"]


def check_value(p: Param, value: Any, where: str) -> Any:
    """The value, normalised (timestamps), or HttpError 400 naming the field."""
    ok = True
    t = p.type
    if t == "string":
        ok = isinstance(value, str)
    elif t == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif t == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif t == "boolean":
        ok = isinstance(value, bool)
    elif t == "object":
        ok = isinstance(value, dict)
    elif t == "array":
        ok = isinstance(value, list)
    elif t == "date":
        ok = isinstance(value, str) and is_date(value)
    elif t == "timestamp":
        norm = normalize_timestamp(value) if isinstance(value, str) else None
        ok = norm is not None
        value = norm
    if not ok:
        raise HttpError(
            400,
            f"Field '{where}' must be {_TYPE_NAMES[t]}, got {_json_type(value)} {value!r}"[:300],
            where,
        )
    if p.enum and value not in p.enum:
        raise HttpError(
            400,
            f"Unable to parse request body: unknown value {value!r} for field '{where}'; "
            f"allowed: {', '.join(p.enum)}",
            where,
        )
    if p.max_length is not None and len(value) > p.max_length:
        raise HttpError(
            400, f"Field '{where}' is longer than {p.max_length} characters ({len(value)})", where
        )
    if p.minimum is not None and value < p.minimum:
        raise HttpError(400, f"Field '{where}' must be >= {p.minimum:g}, got {value}", where)
    if p.maximum is not None and value > p.maximum:
        raise HttpError(400, f"Field '{where}' must be <= {p.maximum:g}, got {value}", where)
    return value


def validate(template: Template, body: Any, *, partial: bool, prefix: str = "") -> dict[str, Any]:
    """Body fields known to the template, checked; unknown fields are ignored (as Jackson does).

    Required fields are enforced unless `partial` (PATCH). A field given as null stays null.
    """
    if not isinstance(body, dict):
        where = prefix.rstrip(".") or "body"
        raise HttpError(400, f"Unable to parse request body: {where} must be a JSON object", where)
    out: dict[str, Any] = {}
    for p in body_params(template):
        value = body.get(p.name)
        where = prefix + p.name
        if value is None:
            if p.required and not partial:
                raise HttpError(400, f"Field '{where}' is required", where)
            if p.name in body:
                out[p.name] = None
            continue
        out[p.name] = check_value(p, value, where)
    return out
