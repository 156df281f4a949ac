"""The v1 routes real clients use: written through the connector, read back from the simulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.errors import ApiError
from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.write import WriteJob, write_input, write_records
from tests.write.reporter import Recorder


def read(conn: Connection, name: str, **params: Any) -> list[dict[str, Any]]:
    with Reader(conn) as reader:
        return list(reader.records(resolve(SourceSpec(name, template=name, params=params))))


def with_external_id(simulator: SimulatorHandle) -> dict[str, Any]:
    return next(c for c in simulator.store.records("clients") if c["externalId"])


def test_client_custom_field_set_from_a_csv_reads_back(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int], tmp_path: Path
) -> None:
    """A CSV of (client, field, value) sets custom fields that get_client then shows."""
    first, second = client_ids[:2]
    csv = tmp_path / "fields.csv"
    csv.write_text(
        f"clientId,fieldName,value\n{first},Segment,Enterprise\n{second},Seats,42\n"
        f"{first},No Such Field,1\n",
        encoding="utf-8",
    )
    results = tmp_path / "results.jsonl"
    job = WriteJob("set_client_custom_field", input=str(csv), results=results)
    summary = write_input(conn, job)
    assert (summary.ok, summary.error) == (2, 1)
    lines = map(json.loads, results.read_text().splitlines())
    ledger = {r["row"]: r for r in lines if "row" in r}
    assert (ledger[1]["status"], ledger[1]["http_status"]) == ("ok", 200)
    assert "No Such Field" in ledger[3]["error"]
    assert read(conn, "get_client", clientId=first)[0]["custom"]["Segment__cs"] == "Enterprise"
    assert read(conn, "get_client", clientId=second)[0]["custom"]["Seats__cs"] == 42


def test_v1_routes_live_at_the_origin_from_a_v2_base_url(
    simulator: SimulatorHandle, client_ids: list[int]
) -> None:
    """With a `.../v2` base URL a v1 template is still sent to `/v1/...` at the origin."""
    settings = ConnectionSettings(base_url=simulator.v2_url, api_key=simulator.api_key)
    with Connection(settings) as conn:
        rows = [{"clientId": client_ids[0], "fieldName": "segment", "value": "SMB"}]
        assert write_records(conn, WriteJob("set_client_custom_field"), rows).ok == 1
    assert simulator.store.records("clients")[0]["custom"]["Segment__cs"] == "SMB"


def test_contact_created_under_a_client_then_its_details_changed(
    simulator: SimulatorHandle, conn: Connection, tmp_path: Path
) -> None:
    """A v1 contact shows up in v2 search; a details PUT keeps the fields it leaves out."""
    client = with_external_id(simulator)
    rows = [{"clientId": client["id"], "email": "new@example.com", "firstName": "Ada",
             "note": "met at the fair"}]  # fmt: skip
    results = tmp_path / "r.jsonl"
    job = WriteJob("create_client_contact_v1", results=results)
    assert write_records(conn, job, rows).ok == 1
    contact_id = json.loads(results.read_text().splitlines()[-1])["id"]
    found = read(conn, "search_contacts", tenantClientId=client["id"], email="new@example.com")
    assert [(c["id"], c["notes"]) for c in found] == [(contact_id, "met at the fair")]

    warnings: list[str] = []
    change = [{"clientId": client["id"], "contactId": contact_id, "title": "CTO"}]
    job = WriteJob("update_contact_details_v1")
    summary = write_records(conn, job, change, Recorder(warnings=warnings.append))
    assert summary.ok == 1
    assert warnings == []  # this PUT merges: nothing is emptied, so no full-replace warning
    stored = simulator.store.get("contacts", contact_id)
    assert stored is not None
    assert (stored["title"], stored["firstName"], stored["email"]) == (
        "CTO",
        "Ada",
        "new@example.com",
    )


def test_interaction_becomes_a_client_note(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int]
) -> None:
    """A v1 interaction is read back through search_client_notes, dated by interactionDate."""
    rows = [{"clientId": client_ids[0], "interactionTypeId": "2", "subject": "Renewal call",
             "interactionDate": "2026-03-04", "note": "<p>Went well</p>"}]  # fmt: skip
    assert write_records(conn, WriteJob("create_interaction_v1"), rows).ok == 1
    notes = read(conn, "search_client_notes", clientId=client_ids[0], subject="Renewal call")
    assert [(n["interactionTypeId"], n["createdTime"][:10]) for n in notes] == [(2, "2026-03-04")]


def test_upsert_lookups_answer_404_and_null_when_absent(
    simulator: SimulatorHandle, conn: Connection
) -> None:
    """Client by external id: the record or a 404; contact by email: the record or `null`."""
    client = with_external_id(simulator)
    assert (
        read(conn, "find_client_by_external_id_v1", externalId=client["externalId"])[0]["id"]
        == client["id"]
    )
    with pytest.raises(ApiError) as error:
        read(conn, "find_client_by_external_id_v1", externalId="no-such-id")
    assert error.value.status == 404

    contact = next(
        c for c in simulator.store.records("contacts") if c["tenantClientId"] == client["id"]
    )
    found = read(conn, "find_contacts_v1", clientExternalId=client["externalId"],
                 email=contact["email"].upper())  # fmt: skip
    assert [(c["id"], c["clientId"]) for c in found] == [(contact["id"], client["id"])]
    absent = {"clientExternalId": client["externalId"], "email": "x@y.z"}
    answer = conn.request("GET", "/v1/contacts", params=absent)
    assert answer.content == b"null"
    assert (
        read(conn, "find_contacts_v1", clientExternalId=client["externalId"], email="x@y.z") == []
    )
