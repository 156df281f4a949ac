"""The simulator's data as a test compares it, and changes made to it through its API."""

from __future__ import annotations

from typing import Any

import httpx

from clientsuccess_connector.simulator import SimulatorHandle

DEFAULT_STREAMS = ["clients", "contacts", "contracts", "pulses", "client_notes", "products"]
CHECKED_FIELDS = {
    "clients": ["name", "status", "custom", "modifiedTime", "npsScore"],
    "contacts": ["firstName", "lastName", "email", "custom", "modifiedTime"],
    "contracts": ["name", "items", "modifiedTime"],
    "pulses": ["note", "dispositionType", "createdTimestamp", "reasonCodes"],
    "client_notes": ["note", "subject", "properties", "modifiedTime"],
    "products": ["name", "sku", "modifiedTime"],
}


def snapshot(sim: SimulatorHandle) -> dict[str, dict[int, dict[str, Any]]]:
    """The simulator's records, per stream, by id."""
    return {name: {r["id"]: dict(r) for r in sim.store.records(name)} for name in DEFAULT_STREAMS}


def change_some_records(sim: SimulatorHandle) -> None:
    """A new client, an edited contact, a new and an edited client note, through the API."""
    client = sim.store.records("clients")[0]
    contact = sim.store.records("contacts")[0]
    note = sim.store.records("client_notes")[0]
    with httpx.Client(base_url=sim.api_v1_url, headers={"X-API-Key": sim.api_key}) as http:
        calls = [
            http.post(
                "/client",
                json={"name": "Singer Incremental Co", "status": "ACTIVE", "active": True},
            ),
            http.patch(f"/contact/{contact['id']}", json={"firstName": "Changed"}),
            http.post(
                "/clientNote", json={"clientId": client["id"], "note": "new", "subject": "s"}
            ),
            http.patch(f"/clientNote/{note['id']}", json={"subject": "edited"}),
        ]
    for response in calls:
        assert response.status_code in (200, 201), response.text


def changed_since(
    before: dict[str, dict[int, dict[str, Any]]], after: dict[str, dict[int, dict[str, Any]]]
) -> dict[str, dict[int, dict[str, Any]]]:
    """Per stream, the records of `after` that are new or differ from `before`."""
    return {
        name: {rid: r for rid, r in records.items() if before[name].get(rid) != r}
        for name, records in after.items()
    }
