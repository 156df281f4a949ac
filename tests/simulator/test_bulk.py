"""Bulk endpoints: per-item results, batch limits, upserts on the template's keys."""

from __future__ import annotations

import httpx

from clientsuccess_connector.catalog import settings
from clientsuccess_connector.simulator import SimulatorHandle


def test_bulk_create_clients_per_item(sim_client: httpx.Client, simulator: SimulatorHandle) -> None:
    """One bad item fails alone; the others are created."""
    before = simulator.store.count("clients")
    r = sim_client.post(
        "/client/bulk",
        json={
            "add": [
                {"name": "A", "status": "ACTIVE", "active": True},
                {"name": "B", "status": "NOPE", "active": True},
                {"name": "C", "status": "TRIAL", "active": False},
            ]
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert (body["created"], body["updated"], body["failed"]) == (2, 0, 1)
    assert [x["status"] for x in body["results"]] == [201, 400, 201]
    assert body["results"][1]["error"]["field"] == "status"
    assert body["results"][0]["error"] is None and body["results"][0]["uuid"]
    assert simulator.store.count("clients") == before + 2


def test_bulk_contacts_unknown_client_is_404_item(sim_client: httpx.Client) -> None:
    """bulk_create_contacts reports 404 for an item naming an unknown client."""
    r = sim_client.post("/contact/bulk", json={"add": [{"clientId": 1, "email": "a@b.c"}]}).json()
    assert r["results"][0]["status"] == 404 and r["results"][0]["error"]["field"] == "clientId"


def test_batch_limit(sim_client: httpx.Client) -> None:
    """More than max_batch_size items: 400 naming the batch field."""
    n = settings().max_batch_size + 1
    r = sim_client.post("/client/bulk", json={"add": [{"name": "x"}] * n})
    assert r.status_code == 400 and r.json()["field"] == "add"
    r = sim_client.post("/contact/workato/batch-upsert", json=[{}] * n)
    assert r.status_code == 400 and r.json()["field"] == "body"
    r = sim_client.post("/client/bulk", json={"items": []})
    assert r.status_code == 400 and r.json()["field"] == "add"


def test_upsert_batch_contacts(sim_client: httpx.Client, simulator: SimulatorHandle) -> None:
    """Same clientId + email (any case) in one batch: created, then updated."""
    cid = simulator.store.records("clients")[0]["id"]
    r = sim_client.post(
        "/contact/workato/batch-upsert",
        json=[
            {"clientId": cid, "email": "Zoe@X.com", "firstName": "Zoë"},
            {"tenantClientId": cid, "email": "zoe@x.COM", "title": "CTO"},
        ],
    ).json()
    assert [x["status"] for x in r["results"]] == [201, 200]
    assert r["results"][0]["id"] == r["results"][1]["id"]
    stored = simulator.store.get("contacts", r["results"][0]["id"])
    assert stored is not None and stored["firstName"] == "Zoë" and stored["title"] == "CTO"


def test_workato_note_upsert_and_logging_levels(
    sim_client: httpx.Client, simulator: SimulatorHandle
) -> None:
    """Notes match on externalSystem + externalSystemId; DEBUG adds the record, bad level is 400."""
    cid = simulator.store.records("clients")[0]["id"]
    item = {"clientId": cid, "externalSystem": "HUBSPOT", "externalSystemId": "n-1", "note": "v1"}
    first = sim_client.post("/clientNote/workato/bulk-upsert", json=[item]).json()
    assert first["results"][0]["status"] == 201 and first["results"][0]["action"] == "created"
    second = sim_client.post(
        "/clientNote/workato/bulk-upsert",
        params={"loggingLevel": "DEBUG"},
        json=[{**item, "note": "v2"}, {"note": "no client"}],
    ).json()
    assert [x["status"] for x in second["results"]] == [200, 400]
    assert second["results"][0]["record"]["note"] == "v2"
    assert second["results"][0]["matchedOn"] == {
        "externalSystem": "HUBSPOT",
        "externalSystemId": "n-1",
    }
    quiet = sim_client.post(
        "/clientNote/workato/bulk-upsert",
        params={"loggingLevel": "NONE"},
        json=[{**item, "note": "v3"}],
    ).json()
    assert quiet["results"][0]["status"] == 200 and "action" not in quiet["results"][0]
    bad = sim_client.post(
        "/clientNote/workato/bulk-upsert", params={"loggingLevel": "LOUD"}, json=[item]
    )
    assert bad.status_code == 400 and bad.json()["field"] == "loggingLevel"
