"""Handlers of the legacy v1 routes real clients use ([C]); they live at the origin's `/v1/...`.

They act on the same records as the v2 routes (a contact created under a client shows up in
`/contact/search`), but speak v1: `note` for a contact's `notes`, `clientId` for
`tenantClientId`, an interaction for a client note, statuses as `statusId`/`statusCode`.
Recorded behaviours: a missing client by external id is a 404, a missing contact look-up
answers the body `null`, and setting a custom field answers the text "Update successful",
which is not JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from clientsuccess_connector.catalog import catalog
from clientsuccess_connector.simulator.request import Request
from clientsuccess_connector.simulator.responses import JSON, HttpError, Response, json_response
from clientsuccess_connector.simulator.store import Record
from clientsuccess_connector.simulator.timefmt import date_to_ms
from clientsuccess_connector.simulator.validation import validate
from clientsuccess_connector.simulator.writes import change_record, create_record

if TYPE_CHECKING:
    from clientsuccess_connector.simulator.state import SimulatorState

Handler = Callable[["SimulatorState", Request], Response]

# v2 status -> v1 (statusId, statusCode) [C MCP, RM: A/I/F/T, 4 = Terminated]
_STATUS = {"ACTIVE": (1, "A"), "INACTIVE": (2, "I"), "TRIAL": (3, "F"), "TERMINATED": (4, "T")}
_CONTACT_KEYS = (
    "id", "uuid", "email", "phone", "mobile", "title", "linkedinUrl", "firstName", "lastName",
    "executiveSponsor", "advocate", "champion", "starred", "keyContact", "street", "city", "zip",
    "country", "timezone", "salesforceId", "externalId",
)  # fmt: skip
_CLIENT_KEYS = (
    "id", "uuid", "name", "siteUrl", "zip", "inceptionDate", "managedByEmployeeId", "active",
    "successScore", "note", "zendeskId", "terminatedDate", "assignedSalesRep",
    "salesforceAccountId", "usageId", "street", "state", "country", "city", "timezone",
    "npsScore", "externalId",
)  # fmt: skip
_NUMBER, _DATE, _BOOLEAN, _PICKLIST = 2, 3, 4, 5


def contact_view(rec: Record) -> Record:
    """A stored contact in v1 form."""
    out = {key: rec.get(key) for key in _CONTACT_KEYS}
    out.update(
        clientId=rec.get("tenantClientId"),
        client=(rec.get("tenantClient") or {}).get("name"),
        note=rec.get("notes"),
        statusId=1 if rec.get("status") == "ACTIVE" else 2,
        name=" ".join(str(rec[k]) for k in ("firstName", "lastName") if rec.get(k)) or None,
        customFieldValues=_custom_values(rec),
    )
    return out


def client_view(rec: Record) -> Record:
    """A stored client in v1 form."""
    out = {key: rec.get(key) for key in _CLIENT_KEYS}
    status_id, code = _STATUS.get(rec.get("status") or "", (None, None))
    out.update(statusId=status_id, statusCode=code, customFieldValues=_custom_values(rec))
    return out


def _custom_values(rec: Record) -> list[dict[str, Any]]:
    return [{"key": k, "value": v} for k, v in (rec.get("custom") or {}).items()]


def _int_path(req: Request, name: str) -> int:
    try:
        return int(req.path_params[name])
    except ValueError:
        raise HttpError(400, f"Path parameter '{name}' must be an integer", name) from None


def _client(app: SimulatorState, req: Request) -> Record:
    client_id = _int_path(req, "clientId")
    rec = app.store.resource("clients").records.get(client_id)
    if rec is None:
        raise HttpError(404, f"Client {client_id} not found", "clientId")
    return rec


def _v2_contact_body(values: dict[str, Any]) -> dict[str, Any]:
    body = dict(values)
    if "note" in body:
        body["notes"] = body.pop("note")
    return body


def _required_query(req: Request, *names: str) -> list[str]:
    for name in names:
        if not req.query.get(name):
            raise HttpError(400, f"Required parameter '{name}' is not present", name)
    return [req.query[name] for name in names]


# --- handlers --------------------------------------------------------------------------------
def create_client_contact(app: SimulatorState, req: Request) -> Response:
    """POST /v1/clients/{clientId}/contacts: 200 with the contact [C]."""
    values = validate(req.template, req.json(), partial=False)
    with app.store.lock:
        client = _client(app, req)
        body = {**_v2_contact_body(values), "clientId": client["id"]}
        rec = create_record(app, catalog()["create_contact"], "contacts", body)
    return json_response(200, contact_view(rec))


def update_contact_details(app: SimulatorState, req: Request) -> Response:
    """PUT /v1/clients/{clientId}/contacts/{contactId}/details: changes only the given fields."""
    values = validate(req.template, req.json(), partial=True)
    with app.store.lock:
        client = _client(app, req)
        contact_id = _int_path(req, "contactId")
        existing = app.store.resource("contacts").records.get(contact_id)
        if existing is None or existing.get("tenantClientId") != client["id"]:
            raise HttpError(404, f"Client {client['id']} has no contact {contact_id}", "contactId")
        patch = catalog()["patch_contact"]
        rec = change_record(
            app, patch, "contacts", existing, _v2_contact_body(values), replace=False
        )
    return json_response(200, contact_view(rec))


def create_interaction(app: SimulatorState, req: Request) -> Response:
    """POST /v1/clients/{clientId}/interactions: stored as a client note (200 is [I])."""
    values = validate(req.template, req.json(), partial=False)
    contact_ids = values.get("contactIds") or []
    if not all(isinstance(c, int) and not isinstance(c, bool) for c in contact_ids):
        raise HttpError(400, "Field 'contactIds' must hold numeric contact ids", "contactIds")
    day = values.get("interactionDate")
    with app.store.lock:
        client = _client(app, req)
        note: dict[str, Any] = {
            "clientId": client["id"],
            "subject": values["subject"],
            "note": values.get("note") or "",
            "interactionTypeId": values["interactionTypeId"],
            "createdByEmployeeId": values.get("createdByEmployeeId"),
            "properties": {"contactIds": contact_ids},
        }
        if day is not None:
            note["createdTime"] = f"{day}T00:00:00.000Z"
        rec = create_record(app, catalog()["create_client_note"], "client_notes", note)
    view = {key: rec.get(key) for key in ("id", "clientId", "interactionTypeId", "subject", "note")}
    view.update(
        interactionDate=str(rec["createdTime"])[:10],
        contactIds=contact_ids,
        createdByEmployeeId=rec.get("createdByEmployeeId"),
    )
    return json_response(200, view)


def set_client_custom_field(app: SimulatorState, req: Request) -> Response:
    """PATCH /v1/customfield/value/client/{clientId}: answers the text "Update successful"."""
    body = req.json()
    if not isinstance(body, dict) or not body:
        raise HttpError(400, 'Unable to parse request body: expected {"<field name>": value}')
    with app.store.lock:
        client = dict(_client(app, req))
        custom = dict(client.get("custom") or {})
        for name, value in body.items():
            definition = _client_field(app, name)
            custom[definition["fieldKey"]] = _custom_value(definition, value, name)
        client["custom"] = custom
        client["modifiedTime"] = app.store.clock.tick()
        app.store.put("clients", client)
    return Response(200, b"Update successful", JSON)


def find_client_by_external_id(app: SimulatorState, req: Request) -> Response:
    """GET /v1/clients?externalId=: the client, or 404 when there is none [C]."""
    (external_id,) = _required_query(req, "externalId")
    with app.store.lock:
        rec = app.store.resource("clients").find_by(("externalId",), (external_id.casefold(),))
        if rec is None:
            raise HttpError(404, f"No client with externalId {external_id!r}", "externalId")
        return json_response(200, client_view(rec))


def find_contacts(app: SimulatorState, req: Request) -> Response:
    """GET /v1/contacts?clientExternalId=&email=: the contact, or the body `null` [D IGN]."""
    external_id, email = _required_query(req, "clientExternalId", "email")
    with app.store.lock:
        clients = app.store.resource("clients")
        client = clients.find_by(("externalId",), (external_id.casefold(),))
        contact = None
        if client is not None:
            contact = app.store.resource("contacts").find_by(
                ("tenantClientId", "email"), (client["id"], email.casefold())
            )
        if contact is None:
            return Response(200, b"null", JSON)
        return json_response(200, contact_view(contact))


# --- custom fields ---------------------------------------------------------------------------
def _client_field(app: SimulatorState, name: str) -> Record:
    """The CLIENT custom field called `name` (its label, name or key, any case); 400 otherwise."""
    wanted = name.casefold()
    for rec in app.store.resource("custom_fields").records.values():
        if rec["resourceType"] != "CLIENT" or rec["system"]:
            continue
        names = (rec["fieldLabel"], rec["fieldName"], rec["fieldKey"])
        if wanted in (n.casefold() for n in names):
            return rec
    raise HttpError(400, f"Unknown client custom field {name!r}", name)


def _custom_value(definition: Record, value: Any, where: str) -> Any:
    """The value as the field's type stores it; 400 naming the field when it does not fit."""
    if value is None or value == "":
        return None
    kind, text = definition["fieldTypeId"], str(value)
    picks = [p["value"] for p in definition["picklistValues"]]
    if kind == _PICKLIST and text not in picks:
        raise HttpError(400, f"Value {text!r} is not an option of {where!r}: {picks}", where)
    if kind == _BOOLEAN and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if kind == _DATE and date_to_ms(text) is not None:
        return text
    if kind == _NUMBER:
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is not None:
            return int(number) if number.is_integer() else number
    if kind in (_BOOLEAN, _DATE, _NUMBER):
        raise HttpError(400, f"Value {text!r} does not fit custom field {where!r}", where)
    return text


HANDLERS: dict[str, Handler] = {
    "create_client_contact_v1": create_client_contact,
    "update_contact_details_v1": update_contact_details,
    "create_interaction_v1": create_interaction,
    "set_client_custom_field": set_client_custom_field,
    "find_client_by_external_id_v1": find_client_by_external_id,
    "find_contacts_v1": find_contacts,
}
