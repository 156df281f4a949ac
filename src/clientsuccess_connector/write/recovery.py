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
from clientsuccess_connector.errors import ApiError, DataError, TransportError
from clientsuccess_connector.write.batching import Unit
from clientsuccess_connector.write.ledger import RowResult

UNKNOWN_MESSAGE = (
    "outcome unknown after a crash; check ClientSuccess, then re-run with `retry_unknown` "
    "to send it again"
)
_LOOKUP_FAILED = (ApiError, TransportError, DataError)

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


class Recovery:
    """Settles rows whose POST may have acted, for one template of one run."""

    def __init__(self, connection: Connection, template: Template, retry_unknown: bool) -> None:
        self.conn = connection
        self.template = template
        self.retry_unknown = retry_unknown

    def interrupted(self, row: int, body: Mapping[str, Any]) -> RowResult | None:
        """For a row an earlier run may have written: its result, or None to send it (again)."""
        if resend_is_safe(self.template) or self.retry_unknown:
            return None
        finder = finder_for(self.template, body)
        if finder is None:
            return RowResult(row, "error", error=UNKNOWN_MESSAGE, outcome_unknown=True)
        try:
            found = finder(self.conn, body)
        except _LOOKUP_FAILED as exc:
            message = f"outcome unknown after a crash and the look-up failed ({exc})"
            return RowResult(row, "error", error=message, outcome_unknown=True)
        if found is None:
            return None
        return RowResult(row, "ok", id=found.get("id"), uuid=found.get("uuid"))

    def needs_lookup(self, body: Mapping[str, Any]) -> bool:
        """True when settling an interrupted row with this body asks the server first."""
        if resend_is_safe(self.template) or self.retry_unknown:
            return False
        return finder_for(self.template, body) is not None

    def settle(
        self,
        unit: Unit,
        results: list[RowResult],
        resend: Callable[[list[int]], list[RowResult]],
    ) -> list[RowResult]:
        """One round for a sent unit: look up unknown rows, `resend` those safe to send again."""
        by_row = {r.row: r for r in results}
        records = dict(zip(unit.rows, unit.records, strict=True))
        unknown = [r.row for r in results if r.outcome_unknown]
        again: list[int] = []
        if resend_is_safe(self.template):
            again = unknown
        else:
            for row in unknown:
                finder = finder_for(self.template, records[row])
                if finder is None:
                    continue  # stays unknown: the API offers no way to tell
                try:
                    found = finder(self.conn, records[row])
                except _LOOKUP_FAILED:
                    continue  # the look-up failed too: the row stays "outcome unknown"
                if found is None:
                    again.append(row)
                else:
                    by_row[row] = RowResult(row, "ok", id=found.get("id"), uuid=found.get("uuid"))
        if again:
            for result in resend(again):
                by_row[result.row] = result
        return [by_row[row] for row in unit.rows]
