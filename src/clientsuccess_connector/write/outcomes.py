"""What an answer means for each row of a request: ok, error, or outcome unknown.

A single-record answer decides its one row; a bulk answer carries one result per item
(`{"results": [{"index": i, "status": 201, "id": ..., "error": ...}]}`); contract items share
their request's outcome. A POST answered 500/502/504 may have been carried out: unknown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import httpx
import orjson

from clientsuccess_connector.catalog import Template
from clientsuccess_connector.catalog.overrides import route_hint
from clientsuccess_connector.write.batching import Unit
from clientsuccess_connector.write.ledger import RowResult

_MAYBE_ACTED = frozenset({500, 502, 504})  # a POST answered so may have been carried out
_EXCERPT = 300
UNREADABLE = "the bulk answer has no result for this item; outcome unknown"


def row_outcomes(
    template: Template,
    unit: Unit,
    response: httpx.Response,
    *,
    item_mode: bool,
    mask: Callable[[str], str],
) -> list[RowResult]:
    """One result per row of `unit`, in row order, from the server's `response`."""
    status = response.status_code
    if status >= 300:
        return _failed(template, unit, response, mask)
    if template.is_bulk:
        return _bulk(template, unit, response, mask)
    body = _json_or_none(response)
    record = body if isinstance(body, dict) else {}
    if unit.method == "DELETE" or item_mode:
        ident = unit.path.rstrip("/").split("/")[-1 if unit.method == "DELETE" else -2]
        return [RowResult(row, "ok", status, id=_plain_id(ident)) for row in unit.rows]
    return [
        RowResult(row, "ok", status, id=record.get("id"), uuid=record.get("uuid"))
        for row in unit.rows
    ]


def _failed(
    template: Template, unit: Unit, response: httpx.Response, mask: Callable[[str], str]
) -> list[RowResult]:
    status = response.status_code
    message = f"HTTP {status}: {_error_text(response, mask)}"
    if status == 404:
        message += route_hint(template)
    if unit.method == "DELETE" and status == 404:
        # Already gone: the goal holds (and a retried DELETE whose first try acted sees 404).
        ident = _plain_id(unit.path.rstrip("/").split("/")[-1])
        return [RowResult(row, "ok", status, id=ident) for row in unit.rows]
    unknown = unit.method == "POST" and status in _MAYBE_ACTED
    if unknown:
        message += "; the server may have acted: outcome unknown"
    return [
        RowResult(row, "error", status, error=message, outcome_unknown=unknown) for row in unit.rows
    ]


def _bulk(
    template: Template, unit: Unit, response: httpx.Response, mask: Callable[[str], str]
) -> list[RowResult]:
    body = _json_or_none(response)
    items: list[Any] = []
    if body is not None and template.results_path:
        from jsonpath import findall  # noqa: PLC0415 (only bulk answers need the engine)

        try:
            items = findall(template.results_path, body)
        except Exception:  # any malformed answer means "unreadable"
            items = []
    by_index: dict[int, dict[str, Any]] = {}
    for position, item in enumerate(items):
        if isinstance(item, dict):
            index = item.get("index", position)
            if isinstance(index, int):
                by_index[index] = item
    results = []
    answer = hashlib.sha256(response.content).hexdigest()
    for index, row in enumerate(unit.rows):
        item = by_index.get(index)
        if item is None:
            results.append(
                RowResult(row, "error", response.status_code, error=UNREADABLE,
                          outcome_unknown=True, unreadable=answer)
            )  # fmt: skip
            continue
        item_status = item.get("status")
        code = item_status if isinstance(item_status, int) else response.status_code
        error = item.get("error")
        if 200 <= code < 300 and not error:
            results.append(RowResult(row, "ok", code, id=item.get("id"), uuid=item.get("uuid")))
        else:
            results.append(RowResult(row, "error", code, error=mask(_item_error(error, code))))
    return results


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        return None


def _error_text(response: httpx.Response, mask: Callable[[str], str]) -> str:
    body = _json_or_none(response)
    if isinstance(body, dict):
        for key in ("message", "error", "detail", "title"):
            value = body.get(key)
            if isinstance(value, str) and value:
                name = body.get("field")
                return mask(f"{name}: {value}" if name else value)
            if isinstance(value, dict):
                return mask(_item_error(value, response.status_code))
    # Mask the whole text before cutting it: a cut secret would no longer match the masker.
    text = " ".join(mask(response.text)[:_EXCERPT].split())
    return text or response.reason_phrase


def _item_error(error: Any, code: int) -> str:
    if isinstance(error, dict):
        name, message = error.get("field"), error.get("message") or "rejected"
        return f"{name}: {message}" if name else str(message)
    if isinstance(error, str) and error:
        return error
    return f"item rejected with status {code}"


def _plain_id(text: str) -> Any:
    value = unquote(text)
    return int(value) if value.isdigit() else value
