"""After a crash: did an interrupted plain create reach ClientSuccess? Ask, where the API lets us.

A POST that was sent but whose answer was never recorded (a `pending` ledger line, or an error
with `"outcome": "unknown"`) may or may not have created its record. Re-sending blindly could
create a duplicate, so before re-sending we look the record up by a natural key:
- contacts (`create_contact`, `bulk_create_contacts`): `search_contacts` by clientId + email;
- clients (`create_client`, `bulk_create_clients`): `search_clients` by externalId, when the row
  has one.
Upsert templates need no look-up (re-sending updates the same record), nor do PUT, PATCH and
DELETE (idempotent). For everything else the row is reported as an error until the user checks
ClientSuccess and re-runs with `--retry-unknown`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from clientsuccess_connector.catalog import Template, envelope, get_template
from clientsuccess_connector.connection import Connection

UNKNOWN_MESSAGE = (
    "outcome unknown after a crash; check ClientSuccess before re-running with --retry-unknown"
)

# The answer of a look-up: the existing record, or None when there is none.
Finder = Callable[[Connection, Mapping[str, Any]], "dict[str, Any] | None"]


def _search(conn: Connection, template: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    path = get_template(template).path
    search = envelope()
    # request_json retries a truncated or malformed page like any idempotent read.
    paging = search.page_params(search.first_page, 100)
    _, body = conn.request_json("GET", path, params={**params, **paging})
    data = search.records(body) if isinstance(body, dict) else body
    return [r for r in data or () if isinstance(r, dict)]


def _find_contact(conn: Connection, record: Mapping[str, Any]) -> dict[str, Any] | None:
    client_id, email = record.get("clientId"), record.get("email")
    for found in _search(conn, "search_contacts", {"tenantClientId": client_id, "email": email}):
        same_client = found.get("tenantClientId", found.get("clientId")) == client_id
        if same_client and str(found.get("email", "")).lower() == str(email).lower():
            return found
    return None


def _find_client(conn: Connection, record: Mapping[str, Any]) -> dict[str, Any] | None:
    external_id = record.get("externalId")
    for found in _search(conn, "search_clients", {"externalId": external_id}):
        if found.get("externalId") == external_id:
            return found
    return None


def _client_finder(record: Mapping[str, Any]) -> Finder | None:
    return _find_client if record.get("externalId") not in (None, "") else None


_FINDERS: dict[str, Callable[[Mapping[str, Any]], Finder | None]] = {
    "create_contact": lambda record: _find_contact,
    "bulk_create_contacts": lambda record: _find_contact,
    "create_client": _client_finder,
    "bulk_create_clients": _client_finder,
}


def resend_is_safe(template: Template) -> bool:
    """True when sending a request twice cannot create a second record."""
    return template.method != "POST" or bool(template.upsert_keys)


def finder_for(template: Template, record: Mapping[str, Any]) -> Finder | None:
    """How to look up the record this row would create, or None when the API offers no way."""
    choose = _FINDERS.get(template.name)
    return choose(record) if choose is not None else None
