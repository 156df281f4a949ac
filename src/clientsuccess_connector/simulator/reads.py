"""Read handlers: envelope searches, single GETs and the custom-field list."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from clientsuccess_connector.catalog import settings
from clientsuccess_connector.simulator import hostile
from clientsuccess_connector.simulator.datagen import employee_ref
from clientsuccess_connector.simulator.request import Request
from clientsuccess_connector.simulator.responses import JSON, HttpError, Response, json_response
from clientsuccess_connector.simulator.store import Record, Resource
from clientsuccess_connector.simulator.timefmt import micros_key, parse_micros, record_key

if TYPE_CHECKING:
    from clientsuccess_connector.simulator.state import SimulatorState

_SEARCH_PARAMS = {"sortBy", "sortDirection", "modifiedAfter", "page", "size"}
_SUBSTRING = {"note", "subject", "name"}
_PATH_FILTER = {"contractId": "tenantContractId"}


def int_param(query: dict[str, str], name: str, default: int, minimum: int) -> int:
    """An integer query parameter; 400 naming it when it is not an integer >= minimum."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HttpError(400, f"Parameter '{name}' must be an integer, got {raw!r}", name) from None
    if value < minimum:
        raise HttpError(400, f"Parameter '{name}' must be >= {minimum}, got {value}", name)
    return value


def bool_param(query: dict[str, str], name: str) -> bool | None:
    """A true/false query parameter, or None when absent."""
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise HttpError(400, f"Parameter '{name}' must be true or false, got {raw!r}", name)


def _value_key(value: Any) -> tuple[int, Any]:
    """Sort key for any JSON value; null sorts lowest."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool | int | float):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (3, orjson.dumps(value, option=orjson.OPT_SORT_KEYS))


def _filters(app: SimulatorState, req: Request) -> list[tuple[str, str, Any]]:
    """(field, mode, value) triples from the template's filter parameters."""
    out: list[tuple[str, str, Any]] = []
    for p in req.template.params:
        if p.location == "path":
            field_name = _PATH_FILTER.get(p.name)
            if field_name is None:
                continue
            path_raw = req.path_params[p.name]
            try:
                value = int(path_raw)
            except ValueError:
                raise HttpError(
                    400, f"Path parameter '{p.name}' must be an integer", p.name
                ) from None
            if value not in app.store.resource("contracts").records:
                raise HttpError(404, f"Contract {value} not found", p.name)
            out.append((field_name, "eq", value))
            continue
        if p.location != "query" or p.name in _SEARCH_PARAMS:
            continue
        if p.name in app.config.ignore_filters:
            continue
        raw = req.query.get(p.name) or ""
        if raw == "":
            continue
        if p.type == "integer":
            try:
                out.append((p.name, "eq", int(raw)))
            except ValueError:
                raise HttpError(
                    400, f"Parameter '{p.name}' must be an integer, got {raw!r}", p.name
                ) from None
        elif p.name in _SUBSTRING:
            out.append((p.name, "contains", raw.casefold()))
        else:
            out.append((p.name, "ieq", raw.casefold()))
    return out


def _match(rec: Record, filters: list[tuple[str, str, Any]]) -> bool:
    for field_name, mode, value in filters:
        have = rec.get(field_name)
        if mode == "eq":
            if have != value:
                return False
        elif not isinstance(have, str):
            return False
        elif mode == "contains":
            if value not in have.casefold():
                return False
        elif have.casefold() != value:
            return False
    return True


def _select(
    items: list[Record], filters: list[tuple[str, str, Any]], sort_by: str, desc: bool,
    after_field: str, after: str | None, id_field: str,
) -> list[Record]:  # fmt: skip
    """The records that match, sorted (ties by id, in the same direction)."""
    if filters:
        items = [r for r in items if _match(r, filters)]
    if after is not None:
        items = [
            r for r in items if isinstance(r.get(after_field), str)
            and record_key(r[after_field]) > after
        ]  # fmt: skip
    items.sort(key=lambda r: (_value_key(r.get(sort_by)), r[id_field]), reverse=desc)
    return items


def _build_ids(
    filters: list[tuple[str, str, Any]],
    sort_by: str,
    desc: bool,
    after_field: str,
    after: str | None,
) -> Callable[[Resource], list[Any]]:
    def build(res: Resource) -> list[Any]:
        items = list(res.records.values())
        selected = _select(items, filters, sort_by, desc, after_field, after, res.id_field)
        return [r[res.id_field] for r in selected]

    return build


def _hostile_rows(
    app: SimulatorState, resource: str, filters: list[tuple[str, str, Any]], sort_by: str,
    desc: bool, after_field: str, after: str | None,
) -> list[Record]:  # fmt: skip
    """A search's rows on a hostile server (hostile.py): with null stamps, nulls sort last."""
    rows = hostile.rows(app, resource, after_field)
    id_field = app.store.resource(resource).id_field
    rows = _select(rows, filters, sort_by, desc, after_field, after, id_field)
    if app.profile.null_stamps:
        rows = [r for r in rows if r.get(sort_by) is not None] + [
            r for r in rows if r.get(sort_by) is None
        ]
    return rows


def _after_by_range(
    app: SimulatorState, resource: str, filters: list[tuple[str, str, Any]], field: str,
    desc: bool, after: str,
) -> _Range:  # fmt: skip
    """Ids with `field` after `after`, sorted on that field, by bisecting one cached order.

    An incremental reader asks for a new `modifiedAfter` on every page; filtering and sorting
    the whole resource each time would make the simulator, not the client, the bottleneck.
    """
    asc = app.store.query(
        resource, (tuple(filters), field, "asc", None, None),
        _build_ids(filters, field, False, field, None),
    )  # fmt: skip

    def keys(res: Resource) -> list[Any]:
        records = res.records
        return [record_key(v) if isinstance(v := records[i].get(field), str) else "" for i in asc]

    asc_keys = app.store.query(resource, ("keys", tuple(filters), field), keys)
    return _Range(asc, bisect.bisect_right(asc_keys, after), desc)


def _walk_past(res: Resource, ids: _Range, count: int) -> None:
    """What SQL OFFSET costs: the server reads every record before the page it returns."""
    records = res.records
    for i in ids.page(0, count):
        records.get(i)


class _Range:
    """The tail `ids[start:]` of a cached order (reversed when `desc`), without copying it."""

    def __init__(self, ids: list[Any], start: int, desc: bool) -> None:
        self.ids, self.start, self.desc = ids, start, desc

    def __len__(self) -> int:
        return len(self.ids) - self.start

    def page(self, first: int, size: int) -> list[Any]:
        """Items `first` .. `first + size` of the range, in its order."""
        if not self.desc:
            lo = self.start + first
            return self.ids[lo : lo + size]
        hi = len(self.ids) - first
        lo = max(self.start, hi - size)
        return self.ids[lo:hi][::-1] if hi > lo else []


def _order(
    app: SimulatorState, req: Request, res: Resource, resource: str, default_sort: str
) -> tuple[str, str]:
    """(sortBy, sortDirection) as asked, checked; newest first when the profile ignores them."""
    sort_by = req.query.get("sortBy") or default_sort
    if sort_by not in res.fields:
        raise HttpError(
            400, f"Parameter 'sortBy': no field {sort_by!r} on {resource} records", "sortBy"
        )
    direction = (req.query.get("sortDirection") or "desc").lower()
    if direction not in ("asc", "desc"):
        raise HttpError(400, "Parameter 'sortDirection' must be asc or desc", "sortDirection")
    return (default_sort, "desc") if app.profile.sort == "ignored" else (sort_by, direction)


def _after(app: SimulatorState, req: Request) -> str | None:
    """The `modifiedAfter` bound as a comparable key, widened to the profile's precision."""
    raw_after = req.query.get("modifiedAfter")
    if not raw_after:
        return None
    micros = parse_micros(raw_after)
    if micros is None:
        raise HttpError(
            400,
            f"Parameter 'modifiedAfter' must be YYYY-MM-DD or an ISO-8601 timestamp, "
            f"got {raw_after!r}",
            "modifiedAfter",
        )
    return micros_key(app.profile.strict_after(micros))


def _page(
    app: SimulatorState, res: Resource, resource: str, filters: list[tuple[str, str, Any]],
    order: tuple[str, str], after_field: str, after: str | None, start: int, size: int,
) -> tuple[int, bytes]:  # fmt: skip
    """(total, the page's JSON records joined) from the cached indexes (or a scan)."""
    sort_by, direction = order
    desc = direction == "desc"
    default_sort = "createdTimestamp" if "createdTimestamp" in res.fields else "createdTime"
    plain = after is None and not filters and sort_by == default_sort and desc
    scan = app.profile.query_cost == "scan"
    if scan and not plain:  # no index: filter and sort the whole collection every time
        ids = _Range(_build_ids(filters, sort_by, desc, after_field, after)(res), 0, False)
    elif after is not None and sort_by == after_field:
        ids = _after_by_range(app, resource, filters, sort_by, desc, after)
    else:
        key = (tuple(filters), sort_by, direction, after_field, after)
        build = _build_ids(filters, sort_by, desc, after_field, after)
        ids = _Range(app.store.query(resource, key, build), 0, False)
    total = len(ids)
    chunk = ids.page(start, size) if start < total else []
    if scan:
        _walk_past(res, ids, start)
    return total, b",".join([res.body(i) for i in chunk])


def search(app: SimulatorState, req: Request, resource: str) -> Response:
    """An envelope search: filters, sortBy/sortDirection, modifiedAfter, zero-based paging."""
    limits = settings()
    page = int_param(req.query, "page", 0, 0)
    asked = min(int_param(req.query, "size", limits.default_page_size, 1), limits.max_page_size)
    size = min(asked, app.profile.page_cap or asked)  # a capped server
    filters = _filters(app, req)
    res = app.store.resource(resource)
    default_sort = "createdTimestamp" if "createdTimestamp" in res.fields else "createdTime"
    sort_by, direction = _order(app, req, res, resource, default_sort)
    after = _after(app, req)
    after_field = req.template.incremental_field or "modifiedTime"
    desc = direction == "desc"
    if page >= 1:
        app.maybe_churn(resource, req)
    empty = app.faults.empty(req.template.name, req.method)  # an index being rebuilt
    if empty:
        app.stats.fault("empty")
    with app.store.lock:
        if empty or hostile.shapes_rows(app.profile):
            rows = [] if empty else _hostile_rows(
                app, resource, filters, sort_by, desc, after_field, after
            )  # fmt: skip
            total, start = len(rows), page * size
            data = b",".join([orjson.dumps(r) for r in rows[start : start + size]])
        else:
            total, data = _page(app, res, resource, filters, (sort_by, direction), after_field,
                                after, page * size, size)  # fmt: skip
    pages = math.ceil(total / size)
    last = page >= pages - 1
    hidden = app.profile.counts == "overstated" and not empty
    counts = f',"totalPages":{pages},"totalElements":{total + hidden}'
    tail = (
        f'],"first":{"true" if page == 0 else "false"},"last":{"true" if last else "false"},'
        f'"page":{page},"size":{asked if app.profile.size_echo == "asked" else size}'
        f"{'' if app.profile.counts == 'missing' else counts}}}"
    )
    return Response(200, b'{"data":[' + data + tail.encode(), JSON)


def get_one(
    app: SimulatorState, req: Request, resource: str, param: str, numeric: bool
) -> Response:
    """One record by id or uuid; 404 when absent."""
    raw = req.path_params[param]
    key: str | int = raw
    if numeric:
        try:
            key = int(raw)
        except ValueError:
            raise HttpError(400, f"Path parameter '{param}' must be an integer", param) from None
    with app.store.lock:
        rec = app.store.find(resource, key)
        if rec is None:
            raise HttpError(
                404, f"No {resource[:-1].replace('_', ' ')} with {param} {raw!r}", param
            )
        shown = hostile.view(app, resource, rec)  # a null stamp shows here too
        detail = _DETAIL.get(resource)
        if detail is None and shown is rec:
            return Response(200, app.store.resource(resource).body(rec["id"]), JSON)
        return json_response(200, detail(app, shown) if detail else shown)


def _client_detail(app: SimulatorState, rec: Record) -> Record:
    employees = app.store.resource("employees").records
    out = dict(rec)
    out.update(
        {
            "freshdeskId": None,
            "externalStatusId": None,
            "region": None
            if rec.get("regionId") is None
            else {
                "id": rec["regionId"],
                "tenantId": rec.get("tenantId"),
                "name": ("EMEA", "AMER", "APAC", "LATAM")[(rec["regionId"] - 1) % 4],
                "used": True,
            },
            "address": ", ".join(
                str(rec[k]) for k in ("street", "city", "zip", "country") if rec.get(k)
            )
            or None,
            "currency": "USD",
            "noteAsText": rec.get("note"),
            "accTeamingRoles": [],
            "createdByEmployee": employee_ref(employees.get(rec.get("createdByEmployeeId"))),
            "modifiedByEmployee": employee_ref(employees.get(rec.get("modifiedByEmployeeId"))),
            "clientSegmentId": (rec.get("clientType") or {}).get("id"),
            "parentClient": None,
        }
    )
    return out


def _contact_detail(app: SimulatorState, rec: Record) -> Record:
    out = dict(rec)
    out.update(
        {
            "usageId": None,
            "address": ", ".join(str(rec[k]) for k in ("city", "country") if rec.get(k)) or None,
            "badges": [],
            "tenant": {"id": rec.get("tenantId"), "name": "Simulated Tenant"},
        }
    )
    return out


_DETAIL: dict[str, Callable[[SimulatorState, Record], Record]] = {
    "clients": _client_detail,
    "contacts": _contact_detail,
}


def list_custom_fields(app: SimulatorState, req: Request) -> Response:
    """Custom-field definitions of one resource type, as a bare JSON array."""
    rtype = req.path_params["resourceType"]
    param = req.template.param("resourceType")
    allowed = param.enum if param else ()
    if allowed and rtype not in allowed:
        raise HttpError(
            400,
            f"Path parameter 'resourceType': unknown value {rtype!r}; "
            f"allowed: {', '.join(allowed)}",
            "resourceType",
        )
    system = bool_param(req.query, "system")
    required = bool_param(req.query, "required")
    usage = bool_param(req.query, "includeUsageCounts")
    out = []
    with app.store.lock:
        for rec in app.store.resource("custom_fields").records.values():
            if rec["resourceType"] != rtype:
                continue
            if system is not None and rec["system"] != system:
                continue
            if required is not None and rec["required"] != required:
                continue
            item = dict(rec)
            if not usage:
                item["picklistValues"] = [dict(p, usageCount=None) for p in rec["picklistValues"]]
            out.append(item)
    return json_response(200, out)
