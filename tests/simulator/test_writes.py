"""Write templates: records read back; PUT replaces, PATCH merges; errors name the field."""

from __future__ import annotations

import httpx
import pytest

from clientsuccess_connector.simulator import SimulatorHandle


def _client_id(sim: SimulatorHandle) -> int:
    return sim.store.records("clients")[0]["id"]


def test_create_pulse_reads_back(simulator: SimulatorHandle, sim_client: httpx.Client) -> None:
    """POST /pulse stores the pulse with a new id, uuid and createdTimestamp; it is newest."""
    r = sim_client.post(
        "/pulse",
        json={
            "clientId": _client_id(simulator),
            "dispositionType": "HIGH_RISK",
            "note": "Risk & more",
        },
    )
    assert r.status_code == 201
    pulse = r.json()
    assert pulse["dispositionId"] == 5 and pulse["uuid"] and isinstance(pulse["id"], int)
    assert sim_client.get(f"/pulse/{pulse['uuid']}").json() == pulse
    newest = sim_client.get("/pulse/search", params={"size": 1}).json()["data"][0]
    assert newest["id"] == pulse["id"]


def test_client_note_put_patch_delete(simulator: SimulatorHandle, sim_client: httpx.Client) -> None:
    """PUT nulls omitted fields, PATCH merges; both move modifiedTime; DELETE is 204 then 404."""
    cid = _client_id(simulator)
    seeded_max = max(n["modifiedTime"] for n in simulator.store.records("client_notes"))
    note = sim_client.post(
        "/clientNote",
        json={"clientId": cid, "note": "<p>Tom &amp; Jerry</p>", "subject": "Hi", "author": "Zoë"},
    ).json()
    assert note["sanitizedNote"] == "Tom & Jerry" and note["modifiedTime"] > seeded_max
    put = sim_client.put(f"/clientNote/{note['id']}", json={"clientId": cid, "note": "new"}).json()
    assert put["subject"] is None and put["author"] is None and put["note"] == "new"
    assert put["id"] == note["id"] and put["createdTime"] == note["createdTime"]
    assert put["modifiedTime"] > note["modifiedTime"]
    patched = sim_client.patch(f"/clientNote/{note['id']}", json={"subject": "S"}).json()
    assert patched["subject"] == "S" and patched["note"] == "new"
    assert patched["modifiedTime"] > put["modifiedTime"]
    assert sim_client.get(f"/clientNote/{note['id']}").json() == patched
    seen = sim_client.get("/clientNote/search", params={"modifiedAfter": seeded_max}).json()
    assert [n["id"] for n in seen["data"]] == [note["id"]]
    assert sim_client.delete(f"/clientNote/{note['id']}").status_code == 204
    assert sim_client.get(f"/clientNote/{note['id']}").status_code == 404
    assert sim_client.delete(f"/clientNote/{note['id']}").status_code == 404


def test_create_client_and_get_by_uuid(sim_client: httpx.Client) -> None:
    """POST /client then GET /client/{uuid} returns the detailed form."""
    body = {"name": "Ñandú & Co 🚀", "status": "TRIAL", "active": True, "custom": {"Seats__cs": 3}}
    created = sim_client.post("/client", json=body).json()
    got = sim_client.get(f"/client/{created['uuid']}").json()
    assert got["name"] == body["name"] and got["custom"] == {"Seats__cs": 3}
    assert "region" in got and "address" in got


def test_contact_create_update_patch_upsert(
    simulator: SimulatorHandle, sim_client: httpx.Client
) -> None:
    """clientId is stored as tenantClientId; upsert matches clientId + email case-insensitively."""
    cid = _client_id(simulator)
    made = sim_client.post(
        "/contact", json={"clientId": cid, "email": "ana@x.com", "firstName": "Ana"}
    )
    assert made.status_code == 201
    contact = made.json()
    assert contact["tenantClientId"] == cid and contact["tenantClient"]["id"] == cid
    put = sim_client.put(
        f"/contact/{contact['uuid']}", json={"tenantClientId": cid, "email": "ana@x.com"}
    )
    assert put.json()["firstName"] is None
    patched = sim_client.patch(f"/contact/{contact['uuid']}", json={"title": "CEO"}).json()
    assert patched["title"] == "CEO" and patched["email"] == "ana@x.com"
    up = sim_client.post(
        "/contact/upsert", json={"clientId": cid, "email": "ANA@X.COM", "lastName": "Núñez"}
    )
    assert up.status_code == 200 and up.json()["id"] == contact["id"]
    assert up.json()["lastName"] == "Núñez" and up.json()["title"] == "CEO"
    new = sim_client.post("/contact/upsert", json={"clientId": cid, "email": "bo@x.com"})
    assert new.status_code == 201 and new.json()["id"] != contact["id"]


def test_contract_and_items(simulator: SimulatorHandle, sim_client: httpx.Client) -> None:
    """Create a contract with items, append items, update an item; unknown item id is 404."""
    cid = _client_id(simulator)
    contract = sim_client.post(
        "/contract",
        json={
            "clientId": cid,
            "name": "Deal",
            "items": [{"productCode": "CORE", "quantity": 2, "pricePer": 50, "recurring": True}],
        },
    ).json()
    assert contract["items"][0]["total"] == 100 and contract["arr"] == 100
    added = sim_client.post(
        f"/contract/{contract['id']}/items",
        json=[{"productCode": "SUPP", "quantity": 1, "pricePer": 10}],
    )
    assert added.status_code == 201
    items = added.json()["items"]
    assert [i["lineNumber"] for i in items] == [1, 2]
    assert added.json()["modifiedTime"] > contract["modifiedTime"]
    item_id = items[1]["id"]
    updated = sim_client.put(
        f"/contract/{contract['id']}/items", json={"items": [{"id": item_id, "quantity": 3}]}
    ).json()
    assert updated["items"][1]["total"] == 30
    missing = sim_client.put(f"/contract/{contract['id']}/items", json=[{"id": 1, "quantity": 1}])
    assert missing.status_code == 404 and missing.json()["field"] == "items[0].id"
    replaced = sim_client.put(
        f"/contract/{contract['id']}", json={"clientId": cid, "name": "D2"}
    ).json()
    assert replaced["items"] == [] and replaced["description"] is None
    assert sim_client.get(f"/contract/{contract['id']}").json() == replaced


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [("/pulse", {"dispositionType": "HIGH_RISK"}, 400, "clientId"),
     ("/pulse", {"clientId": 10001, "dispositionType": "MEH"}, 400, "dispositionType"),
     ("/pulse", {"clientId": "10001"}, 400, "clientId"),
     ("/pulse", {"clientId": 1}, 404, "clientId"),
     ("/client", {"name": "x" * 256, "status": "ACTIVE", "active": True}, 400, "name"),
     ("/client", {"name": "x", "status": "ACTIVE", "active": True, "npsScore": 101}, 400, "npsScore"),  # noqa: E501
     ("/client", {"name": "x", "status": "ACTIVE", "active": "yes"}, 400, "active"),
     ("/client", {"name": "x", "status": "ACTIVE", "active": True, "inceptionDate": "1/2/2024"}, 400, "inceptionDate"),  # noqa: E501
     ("/contact", {"clientId": 10001}, 400, "email"),
     ("/clientNote", {"clientId": 10001, "note": "n", "createdTime": "soon"}, 400, "createdTime")],
)  # fmt: skip
def test_validation_errors_name_the_field(
    sim_client: httpx.Client, path: str, body: dict, status: int, field: str
) -> None:
    """Missing, mistyped, unknown-enum, too long or out-of-range fields answer with the field."""
    r = sim_client.post(path, json=body)
    assert r.status_code == status
    assert r.json()["field"] == field and field in r.json()["message"]


def test_enum_error_says_unable_to_parse(sim_client: httpx.Client) -> None:
    """An unknown dispositionType is rejected like the gateway does."""
    r = sim_client.post("/pulse", json={"clientId": 10001, "dispositionType": "MEH"})
    assert r.json()["message"].startswith("Unable to parse request body")


def test_transcript_note(simulator: SimulatorHandle, sim_client: httpx.Client) -> None:
    """The summary has one section per header; the client is found from participant emails."""
    contact = simulator.store.records("contacts")[3]
    text = (
        "Ana: Thanks for joining. We reviewed adoption & pricing.\n"
        "Bo: I will send the revised quote on Monday. Next step: a demo."
    )
    r = sim_client.post(
        "/clientNote/transcript",
        json={
            "transcript": text,
            "participants": [{"name": "Bo", "email": contact["email"]}],
            "customNoteHeaders": ["Summary", "Next Steps", "Attendees"],
        },
    )
    assert r.status_code == 201
    note = r.json()
    assert note["clientId"] == contact["tenantClientId"]
    assert note["note"].count("<h3>") == 3 and "<h3>Next Steps</h3>" in note["note"]
    assert "I will send the revised quote on Monday." in note["note"]
    assert "adoption &amp; pricing" in note["note"]
    assert sim_client.get(f"/clientNote/{note['id']}").json()["id"] == note["id"]
    again = sim_client.post(
        "/clientNote/transcript", json={"transcript": text, "clientId": note["clientId"]}
    )
    assert "<h3>Action Items</h3>" in again.json()["note"]
    orphan = sim_client.post(
        "/clientNote/transcript", json={"transcript": text, "hostEmail": "x@nowhere"}
    )
    assert orphan.status_code == 422 and orphan.json()["field"] == "clientId"
