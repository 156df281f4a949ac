"""Write handlers: create, PUT (replace), PATCH (merge), DELETE, upserts, bulk, contract items.

Body field names are the template's parameter names. Unknown fields are ignored. Every write
gives the record a new `modifiedTime` from a strictly increasing clock that starts after all
seeded data, so incremental reads see it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from html import unescape
from typing import TYPE_CHECKING, Any

from clientsuccess_connector.catalog import Template, settings
from clientsuccess_connector.simulator import transcript as summariser
from clientsuccess_connector.simulator.datagen import TENANT_ID, employee_ref
from clientsuccess_connector.simulator.request import Request
from clientsuccess_connector.simulator.responses import HttpError, Response, json_response
from clientsuccess_connector.simulator.store import Record
from clientsuccess_connector.simulator.timefmt import DAY_MS_DATE, date_to_ms
from clientsuccess_connector.simulator.validation import body_params, check_value, validate

if TYPE_CHECKING:
    from clientsuccess_connector.simulator.state import SimulatorState

Handler = Callable[["SimulatorState", Request], Response]

# Template parameter -> stored field, where they differ.
_ALIAS = {"contacts": {"clientId": "tenantClientId"}, "contracts": {"clientId": "tenantClientId"}}
# Never taken from the body (the server sets them).
_SERVER_SET = {"modifiedTime"}
# Kept by PUT when the body leaves them out.
_KEEP = {"tenantId", "uuid", "createdTime", "createdTimestamp"}
_DISPOSITION_IDS = {
    "EXTREMELY_SATISFIED": 1, "VERY_SATISFIED": 2, "FAIRLY_SATISFIED": 3,
    "SOME_RISK": 4, "HIGH_RISK": 5, "SEVERE_RISK": 6,
}  # fmt: skip
_TAG = re.compile(r"<[^>]+>")
_ITEM_TYPES: dict[str, tuple[type, ...]] = {
    "id": (int,), "productCode": (str,), "description": (str,), "quantity": (int, float),
    "pricePer": (int, float), "total": (int, float), "recurring": (bool,),
    "termStartDate": (str,), "termEndDate": (str,), "termLengthDays": (int,),
    "termLengthMonths": (int,), "arr": (int, float), "mrr": (int, float),
    "assignedArr": (int, float), "assignedMrr": (int, float), "externalId": (str,),
    "externalSystems": (dict,), "lineNumber": (int,),
}  # fmt: skip


def sanitize(note: str | None) -> str | None:
    """The plain-text form of an HTML note (tags removed, entities decoded)."""
    if note is None:
        return None
    text = re.sub(r"</(p|li|h\d|div)>|<br\s*/?>", "\n", note)
    return unescape(_TAG.sub("", text)).strip()


# --- references and derived fields ------------------------------------------------------------
def _client(app: SimulatorState, client_id: Any, where: str = "clientId") -> Record:
    rec = app.store.resource("clients").records.get(client_id)
    if rec is None:
        raise HttpError(404, f"Client {client_id} not found (field '{where}')", where)
    return rec


def _finish(app: SimulatorState, resource: str, rec: Record) -> None:
    """Recompute fields derived from references; 404 when a referenced record is missing."""
    if resource == "clients":
        emp_id = rec.get("managedByEmployeeId")
        employees = app.store.resource("employees").records
        if emp_id is not None and emp_id not in employees:
            raise HttpError(404, f"Employee {emp_id} not found", "managedByEmployeeId")
        rec["managedByEmployee"] = employee_ref(employees.get(emp_id))
        if rec.get("custom") is None:
            rec["custom"] = {}
    elif resource == "contacts":
        client = _client(app, rec.get("tenantClientId"))
        rec["tenantClient"] = {k: client[k] for k in ("id", "uuid", "name", "status")}
    elif resource == "contracts":
        client = _client(app, rec.get("tenantClientId"))
        rec["client"] = {"id": client["id"], "status": client["status"]}
        _totals(rec)
    elif resource == "pulses":
        _client(app, rec.get("clientId"))
        if rec.get("dispositionId") is None and rec.get("dispositionType"):
            rec["dispositionId"] = _DISPOSITION_IDS[rec["dispositionType"]]
    elif resource == "client_notes":
        _client(app, rec.get("clientId"))
        rec["sanitizedNote"] = sanitize(rec.get("note"))


def _totals(contract: Record) -> None:
    items = contract.get("items") or []
    total = round(sum(i.get("total") or 0 for i in items), 2)
    arr = round(sum(i.get("arr") or 0 for i in items), 2)
    months = contract.get("termLengthMonths") or 12
    contract.update(
        total=total, arr=arr, mrr=round(arr / 12, 2), acv=arr, assignedArr=arr,
        assignedMrr=round(arr / 12, 2), tcv=round(total * months / 12, 2),
        otr=round(total - arr, 2),
    )  # fmt: skip


def _blank(app: SimulatorState, resource: str) -> Record:
    res = app.store.resource(resource)
    rec: Record = dict.fromkeys(res.order)
    all_defaults: dict[str, Record] = {
        "clients": {"entityType": "CLIENT", "externalSystems": {}, "custom": {}},
        "contacts": {"entityType": "CONTACT", "externalSystems": {}, "custom": {},
                     "engagements": [], "engagementCount": 0, "status": "ACTIVE"},
        "contracts": {"externalSystems": {}, "items": [], "attachmentCount": 0, "adjustedBy": [],
                      "custom": {}},
        "pulses": {"reasonCodes": []},
        "client_notes": {},
    }  # fmt: skip
    rec.update(all_defaults[resource])
    return rec


def _apply(rec: Record, values: dict[str, Any], resource: str, replace: Template | None) -> None:
    """Copy validated values into the record; with `replace`, omitted fields become null."""
    alias = _ALIAS.get(resource, {})
    if replace is not None:
        for p in body_params(replace):
            if p.name in _SERVER_SET or (p.name in _KEEP and p.name not in values):
                continue
            if p.name not in values:
                rec[alias.get(p.name, p.name)] = [] if p.type == "array" else None
    for name, value in values.items():
        if name in _SERVER_SET:
            continue
        rec[alias.get(name, name)] = value


# --- contract items --------------------------------------------------------------------------
def _check_items(raw: Any, where: str, need_id: bool) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise HttpError(400, f"Field '{where}' must be a JSON array of items", where)
    for i, item in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise HttpError(400, f"Field '{at}' must be a JSON object", at)
        for key, types in _ITEM_TYPES.items():
            value = item.get(key)
            if value is None:
                continue
            if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
                raise HttpError(400, f"Field '{at}.{key}' has the wrong type", f"{at}.{key}")
            if key in ("termStartDate", "termEndDate") and date_to_ms(value) is None:
                raise HttpError(400, f"Field '{at}.{key}' must be a YYYY-MM-DD date", f"{at}.{key}")
        if need_id and not isinstance(item.get("id"), int):
            raise HttpError(400, f"Field '{at}.id' is required to update an item", f"{at}.id")
    return raw


def _derive_item(item: Record) -> None:
    qty, price = item.get("quantity"), item.get("pricePer")
    if qty is not None and price is not None:
        item["total"] = round(qty * price, 2)
    arr = item["total"] if item.get("recurring") and item.get("total") is not None else 0
    item.update(arr=arr, mrr=round(arr / 12, 2), assignedArr=arr, assignedMrr=round(arr / 12, 2))
    start, end = date_to_ms(item.get("termStartDate")), date_to_ms(item.get("termEndDate"))
    if start is not None and end is not None:
        days = (end - start) // DAY_MS_DATE
        item.update(termLengthDays=days, termLengthMonths=round(days / 30))


def _new_item(
    app: SimulatorState, contract: Record, raw: dict[str, Any], line: int, now: str
) -> Record:
    item: Record = {
        "id": app.store.new_id("contract_items"), "uuid": app.store.new_uuid(),
        "tenantId": TENANT_ID, "tenantContractId": contract["id"], "lineNumber": line,
        "productCode": None, "description": None, "quantity": None, "pricePer": None,
        "total": None, "recurring": None, "termStartDate": None, "termEndDate": None,
        "termLengthDays": None, "termLengthMonths": None, "arr": None, "mrr": None,
        "assignedArr": None, "assignedMrr": None, "externalId": None, "externalSystems": {},
        "createdTime": now, "modifiedTime": now,
    }  # fmt: skip
    item.update(
        {k: v for k, v in raw.items() if k in _ITEM_TYPES and k not in ("id", "lineNumber")}
    )
    _derive_item(item)
    return item


# --- generic operations ----------------------------------------------------------------------
def _aliased(resource: str, body: Any) -> Any:
    """Contacts and contracts also accept `tenantClientId` for `clientId`."""
    if (
        isinstance(body, dict)
        and resource in _ALIAS
        and "clientId" not in body
        and "tenantClientId" in body
    ):
        return {**body, "clientId": body["tenantClientId"]}
    return body


def create_record(app: SimulatorState, template: Template, resource: str, body: Any) -> Record:
    """Validate and store a new record; returns it."""
    body = _aliased(resource, body)
    values = validate(template, body, partial=False)
    raw_items = values.pop("items", None) if resource == "contracts" else None
    if raw_items is not None:
        _check_items(raw_items, "items", need_id=False)
    with app.store.lock:
        rec = _blank(app, resource)
        _apply(rec, values, resource, None)
        now = app.store.clock.tick()
        rec["id"] = app.store.new_id(resource)
        if "uuid" in rec and not rec.get("uuid"):
            rec["uuid"] = app.store.new_uuid()
        rec["tenantId"] = rec.get("tenantId") or TENANT_ID
        for field_name in ("createdTime", "createdTimestamp"):
            if field_name in rec and not rec.get(field_name):
                rec[field_name] = now
        if "modifiedTime" in rec:
            rec["modifiedTime"] = now
        if raw_items is not None:
            rec["items"] = [_new_item(app, rec, it, n + 1, now) for n, it in enumerate(raw_items)]
        _finish(app, resource, rec)
        app.store.put(resource, rec)
        return rec


def change_record(
    app: SimulatorState,
    template: Template,
    resource: str,
    existing: Record,
    body: Any,
    *,
    replace: bool,
) -> Record:
    """PUT (replace) or PATCH (merge) an existing record; returns the stored result."""
    body = _aliased(resource, body)
    values = validate(template, body, partial=not replace)
    raw_items = values.pop("items", None) if resource == "contracts" else None
    if raw_items is not None:
        _check_items(raw_items, "items", need_id=False)
    with app.store.lock:
        rec = dict(existing)
        _apply(rec, values, resource, template if replace else None)
        now = app.store.clock.tick()
        if raw_items is not None:
            rec["items"] = [_new_item(app, rec, it, n + 1, now) for n, it in enumerate(raw_items)]
        if "modifiedTime" in rec:
            rec["modifiedTime"] = now
        _finish(app, resource, rec)
        app.store.put(resource, rec)
        return rec


def _path_record(
    app: SimulatorState, req: Request, resource: str, param: str, numeric: bool
) -> Record:
    raw = req.path_params[param]
    key: str | int = raw
    if numeric:
        try:
            key = int(raw)
        except ValueError:
            raise HttpError(400, f"Path parameter '{param}' must be an integer", param) from None
    rec = app.store.find(resource, key)
    if rec is None:
        raise HttpError(404, f"No {resource[:-1].replace('_', ' ')} with {param} {raw!r}", param)
    return rec


def _upsert_match(
    app: SimulatorState, resource: str, keys: tuple[str, ...], values: dict[str, Any]
) -> Record | None:
    alias = _ALIAS.get(resource, {})
    wanted = []
    for key in keys:
        value = values.get(key)
        if value is None:
            return None
        wanted.append((alias.get(key, key), value.casefold() if isinstance(value, str) else value))
    fields = tuple(f for f, _ in wanted)
    return app.store.resource(resource).find_by(fields, tuple(v for _, v in wanted))


def upsert_record(
    app: SimulatorState, template: Template, resource: str, body: Any
) -> tuple[Record, bool]:
    """Create, or merge into the record matching the template's upsert keys. (record, created)."""
    body = _aliased(resource, body)
    values = validate(template, body, partial=False)
    with app.store.lock:
        existing = _upsert_match(app, resource, template.upsert_keys, values)
        if existing is None:
            return create_record(app, template, resource, body), True
        return change_record(app, template, resource, existing, body, replace=False), False


# --- handlers --------------------------------------------------------------------------------
def _create(resource: str) -> Handler:
    def handle(app: SimulatorState, req: Request) -> Response:
        return json_response(201, create_record(app, req.template, resource, req.json()))

    return handle


def _change(resource: str, param: str, numeric: bool, replace: bool) -> Handler:
    def handle(app: SimulatorState, req: Request) -> Response:
        body = req.json()
        with app.store.lock:
            existing = _path_record(app, req, resource, param, numeric)
            rec = change_record(app, req.template, resource, existing, body, replace=replace)
        return json_response(200, rec)

    return handle


def _delete_note(app: SimulatorState, req: Request) -> Response:
    with app.store.lock:
        rec = _path_record(app, req, "client_notes", "id", True)
        app.store.delete("client_notes", rec["id"])
    return Response(204, b"")


def _upsert(resource: str) -> Handler:
    def handle(app: SimulatorState, req: Request) -> Response:
        rec, created = upsert_record(app, req.template, resource, req.json())
        return json_response(201 if created else 200, rec)

    return handle


def _batch(req: Request) -> list[Any]:
    body = req.json()
    where = req.template.batch or "$"
    items = body if where == "$" else (body.get(where) if isinstance(body, dict) else None)
    name = "body" if where == "$" else where
    if not isinstance(items, list):
        raise HttpError(400, f"Unable to parse request body: '{name}' must be a JSON array", name)
    limit = settings().max_batch_size
    if len(items) > limit:
        raise HttpError(
            400, f"Field '{name}' holds {len(items)} items; at most {limit} are allowed", name
        )
    return items


def _bulk(resource: str, upsert: bool) -> Handler:
    def handle(app: SimulatorState, req: Request) -> Response:
        level = "INFO"
        if req.template.param("loggingLevel") is not None:
            raw = req.query.get("loggingLevel") or "INFO"
            p = req.template.param("loggingLevel")
            assert p is not None
            level = check_value(p, raw.upper(), "loggingLevel")
        items = _batch(req)
        results: list[dict[str, Any]] = []
        counts = {"created": 0, "updated": 0, "failed": 0}
        for index, item in enumerate(items):
            try:
                with app.store.lock:
                    if upsert:
                        rec, created = upsert_record(app, req.template, resource, item)
                    else:
                        rec, created = create_record(app, req.template, resource, item), True
            except HttpError as exc:
                counts["failed"] += 1
                results.append({"index": index, "status": exc.status, "id": None, "uuid": None,
                                "error": {"field": exc.field, "message": exc.message}})  # fmt: skip
                continue
            counts["created" if created else "updated"] += 1
            result: dict[str, Any] = {
                "index": index, "status": 201 if created else 200, "id": rec["id"],
                "uuid": rec.get("uuid"), "error": None,
            }  # fmt: skip
            if level in ("INFO", "DEBUG") and req.template.param("loggingLevel") is not None:
                result["action"] = "created" if created else "updated"
            if level == "DEBUG":
                result["matchedOn"] = (
                    None if created else {k: item.get(k) for k in req.template.upsert_keys}
                )
                result["record"] = rec
            results.append(result)
        payload: dict[str, Any] = {"results": _numbered(app, results), **counts}
        if req.template.param("loggingLevel") is not None:
            payload["loggingLevel"] = level
        return json_response(200, payload)

    return handle


def _numbered(app: SimulatorState, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bulk results as the server profile numbers and orders them."""
    if app.profile.bulk_results == "one-based":
        return [{**result, "index": result["index"] + 1} for result in results]
    if app.profile.bulk_results == "shuffled":
        shuffled = list(results)
        random.Random(len(results)).shuffle(shuffled)
        return shuffled
    return results


def _contract_items(update: bool) -> Handler:
    def handle(app: SimulatorState, req: Request) -> Response:
        body = req.json()
        raw = body.get("items") if isinstance(body, dict) else body
        if raw is None:
            raise HttpError(400, "Field 'items' is required", "items")
        items = _check_items(raw, "items", need_id=update)
        with app.store.lock:
            contract = dict(_path_record(app, req, "contracts", "contractId", True))
            current = [dict(i) for i in contract.get("items") or []]
            now = app.store.clock.tick()
            if update:
                by_id = {i["id"]: i for i in current}
                for n, change in enumerate(items):
                    if change["id"] not in by_id:
                        raise HttpError(
                            404,
                            f"Contract {contract['id']} has no item {change['id']} (items[{n}].id)",
                            f"items[{n}].id",
                        )
                for change in items:
                    item = by_id[change["id"]]
                    item.update({k: v for k, v in change.items() if k in _ITEM_TYPES and k != "id"})
                    _derive_item(item)
                    item["modifiedTime"] = now
            else:
                line = max((i.get("lineNumber") or 0 for i in current), default=0)
                for n, raw_item in enumerate(items):
                    current.append(_new_item(app, contract, raw_item, line + n + 1, now))
            contract["items"] = current
            contract["modifiedTime"] = now
            _totals(contract)
            app.store.put("contracts", contract)
        return json_response(200 if update else 201, contract)

    return handle


def _from_transcript(app: SimulatorState, req: Request) -> Response:
    values = validate(req.template, req.json(), partial=False)
    participants = values.get("participants") or []
    for n, item in enumerate(participants):
        if not isinstance(item, str | dict):
            where = f"participants[{n}]"
            raise HttpError(400, f"Field '{where}' must be an email or an object", where)
    headers = values.get("customNoteHeaders")
    if headers is not None and not all(isinstance(h, str) and h for h in headers):
        raise HttpError(
            400, "Field 'customNoteHeaders' must hold non-empty strings", "customNoteHeaders"
        )
    host = values.get("hostEmail")
    with app.store.lock:
        client_id = values.get("clientId")
        if client_id is not None:
            _client(app, client_id)
        else:
            emails = [e.casefold() for e in summariser.participant_emails(host, participants)]
            by_email: dict[str, Any] = {}
            for contact in app.store.resource("contacts").records.values():
                if isinstance(contact.get("email"), str):
                    by_email.setdefault(contact["email"].casefold(), contact["tenantClientId"])
            client_id = next((by_email[e] for e in emails if e in by_email), None)
            if client_id is None:
                raise HttpError(
                    422,
                    "No client found: give clientId, or a hostEmail/participant email that "
                    "belongs to a contact",
                    "clientId",
                )
        subject, note, text = summariser.summarize(
            values["transcript"], host, participants, headers
        )
        rec = _blank(app, "client_notes")
        now = app.store.clock.tick()
        rec.update(
            id=app.store.new_id("client_notes"), clientId=client_id, subject=subject, note=note,
            sanitizedNote=text, author=host, interactionTypeId=3, createdTime=now,
            modifiedTime=now, tenantId=TENANT_ID,
            properties={"source": "transcript", "participants":
                        [summariser.participant_label(p) for p in participants],
                        "additionalPrompt": values.get("additionalPrompt")},
        )  # fmt: skip
        app.store.put("client_notes", rec)
    return json_response(201, rec)


HANDLERS: dict[str, Handler] = {
    "create_pulse": _create("pulses"),
    "create_client_note": _create("client_notes"),
    "update_client_note": _change("client_notes", "id", True, replace=True),
    "patch_client_note": _change("client_notes", "id", True, replace=False),
    "delete_client_note": _delete_note,
    "workato_bulk_upsert_client_notes": _bulk("client_notes", upsert=True),
    "create_client_note_from_transcript": _from_transcript,
    "create_client": _create("clients"),
    "bulk_create_clients": _bulk("clients", upsert=False),
    "create_contact": _create("contacts"),
    "update_contact": _change("contacts", "contactId", False, replace=True),
    "patch_contact": _change("contacts", "contactId", False, replace=False),
    "bulk_create_contacts": _bulk("contacts", upsert=False),
    "upsert_batch_contacts": _bulk("contacts", upsert=True),
    "upsert_contact": _upsert("contacts"),
    "create_contract": _create("contracts"),
    "update_contract": _change("contracts", "contractId", True, replace=True),
    "add_contract_items": _contract_items(update=False),
    "update_contract_items": _contract_items(update=True),
}
