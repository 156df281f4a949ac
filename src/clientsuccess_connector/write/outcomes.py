"""What an answer means for each row of a request: ok, error, or outcome unknown.

A single-record answer decides its one row; a bulk answer carries one result per item
(`{"results": [{"index": i, "status": 201, "id": ..., "error": ...}]}`); contract items share
their request's outcome. A non-idempotent write that failed with a status its template does not
list as `rejected_before_acting` may have been carried out: its outcome is unknown.

Bulk results are trusted only when their indexes number the batch's items exactly once each
(from the template's `results_index_base`), or, with no index at all, when there is one result
per item; any other answer leaves every row of the batch unknown, never mis-assigned.
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
    unknown = not template.idempotent and status not in template.rejected_before_acting
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
    by_position, problem = numbered_results(items, len(unit.rows), template.results_index_base)
    results = []
    answer = hashlib.sha256(response.content).hexdigest()
    for position, row in enumerate(unit.rows):
        item = by_position.get(position)
        if item is None:
            why = f"{problem}; outcome unknown" if problem else UNREADABLE
            results.append(
                RowResult(row, "error", response.status_code, error=why,
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


def numbered_results(
    items: list[Any], count: int, base: int
) -> tuple[dict[int, dict[str, Any]], str | None]:
    """The results of a batch of `count` items by position (0..count-1), and what was wrong.

    Either every result carries an integer `index`, and together they are exactly
    base..base+count-1; or none carries one and there are `count` results, in item order.
    Anything else gives no result at all (and says why), since any pairing could be wrong.
    """
    results = [item for item in items if isinstance(item, dict)]
    with_index = [item for item in results if "index" in item]
    if not with_index:
        if len(results) == count and len(items) == count:
            return dict(enumerate(results)), None
        return {}, f"the bulk answer has {len(items)} result(s) for {count} item(s)"
    indexes = [item.get("index") for item in with_index]
    if len(items) == count and sorted(map(str, indexes)) == sorted(
        str(i) for i in range(base + 1, base + count + 1)
    ):
        return {}, (
            f"the bulk answer numbers its results from {base + 1}, not {base}; if this server "
            f"always does, set `results_index_base: {base + 1}` for the template in the flow's "
            "`templates:` block"
        )
    by_position: dict[int, dict[str, Any]] = {}
    for item in results:
        index = item.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            return {}, f"the bulk answer has a result with index {index!r}"
        position = index - base
        if not 0 <= position < count or position in by_position:
            return {}, (
                f"the bulk answer's result indexes are not {base}..{base + count - 1} once each "
                f"(index {index} is out of range or repeated)"
            )
        by_position[position] = item
    if len(by_position) != count or len(items) != count:
        return {}, f"the bulk answer has {len(items)} result(s) for {count} item(s)"
    return by_position, None


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
