"""Every write template, checked by reading the records back from the simulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clientsuccess_connector.connection import Connection
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.write import WriteJob, write_records
from tests.write.reporter import Recorder


def ledger(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def by(records: list[dict[str, Any]], key: str, value: Any) -> list[dict[str, Any]]:
    return [r for r in records if r.get(key) == value]


def test_create_pulse(simulator: SimulatorHandle, conn: Connection, client_ids: list[int]) -> None:
    rows = [
        {"clientId": str(client_ids[0]), "note": "<p>ok</p>", "currentScore": "7.5",
         "dispositionType": "SOME_RISK", "createdTimestamp": "2024-05-01 09:30:00"},
    ]  # fmt: skip
    summary = write_records(conn, WriteJob("create_pulse"), rows)
    assert (summary.ok, summary.error) == (1, 0)
    pulse = by(simulator.store.records("pulses"), "note", "<p>ok</p>")[0]
    assert pulse["clientId"] == client_ids[0]
    assert pulse["currentScore"] == 7.5
    assert pulse["createdTimestamp"] == "2024-05-01T09:30:00.000Z"
    assert pulse["dispositionId"] == 4


def test_client_note_create_put_patch_delete(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int], tmp_path: Path
) -> None:
    results = tmp_path / "notes.jsonl"
    rows = [
        {"client": client_ids[0], "body": "first", "subject": "S1", "props": '{"a": 1}',
         "author": "Ann"},
    ]  # fmt: skip
    summary = write_records(
        conn,
        WriteJob(
            "create_client_note",
            mapping={"clientId": "client", "note": "body", "properties": "props"},
            results=results,
        ),
        rows,
    )
    assert summary.ok == 1
    note_id = ledger(results)[-1]["id"]
    note = simulator.store.get("client_notes", note_id)
    assert note is not None
    assert (note["subject"], note["properties"], note["author"]) == ("S1", {"a": 1}, "Ann")

    # PATCH: only the given field changes.
    assert (
        write_records(conn, WriteJob("patch_client_note"), [{"id": note_id, "subject": "S2"}]).ok
        == 1
    )
    note = simulator.store.get("client_notes", note_id)
    assert note is not None
    assert (note["subject"], note["author"], note["note"]) == ("S2", "Ann", "first")

    # PUT: the full record; what is not given is emptied.
    warnings: list[str] = []
    put = [{"id": note_id, "clientId": client_ids[0], "note": "second"}]
    assert (
        write_records(
            conn, WriteJob("update_client_note"), put, Recorder(warnings=warnings.append)
        ).ok
        == 1
    )
    note = simulator.store.get("client_notes", note_id)
    assert note is not None
    assert (note["note"], note["subject"], note["author"]) == ("second", None, None)
    assert "author" in warnings[0]

    assert write_records(conn, WriteJob("delete_client_note"), [{"id": str(note_id)}]).ok == 1
    assert simulator.store.get("client_notes", note_id) is None


def test_workato_bulk_upsert_client_notes(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int]
) -> None:
    rows = [
        {"clientId": client_ids[0], "note": f"n{i}", "externalSystem": "HUBSPOT",
         "externalSystemId": f"h-{i}"}
        for i in range(5)
    ]  # fmt: skip
    first = write_records(
        conn,
        WriteJob(
            "workato_bulk_upsert_client_notes", params={"loggingLevel": "DEBUG"}, batch_size=2
        ),
        rows,
    )
    assert (first.ok, first.requests) == (5, 3)
    rows[0]["note"] = "changed"
    again = write_records(conn, WriteJob("workato_bulk_upsert_client_notes"), rows)
    assert again.ok == 5
    notes = by(simulator.store.records("client_notes"), "externalSystem", "HUBSPOT")
    assert len(notes) == 5
    assert by(notes, "externalSystemId", "h-0")[0]["note"] == "changed"


def test_create_client_note_from_transcript(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int]
) -> None:
    rows = [
        {"transcript": "Ann: we renew.\nBob: good.", "clientId": client_ids[1],
         "participants": "ann@x.io, bob@x.io", "customNoteHeaders": '["Summary", "Next"]'},
    ]  # fmt: skip
    summary = write_records(conn, WriteJob("create_client_note_from_transcript"), rows)
    assert (summary.ok, summary.error) == (1, 0), summary.first_errors
    notes = simulator.store.records("client_notes")
    created = [n for n in notes if (n.get("properties") or {}).get("source") == "transcript"]
    assert len(created) == 1
    assert created[0]["clientId"] == client_ids[1]


def test_clients_single_and_bulk(simulator: SimulatorHandle, conn: Connection) -> None:
    row = {"name": "Acme", "status": "ACTIVE", "active": "yes", "inceptionDate": "2024/01/02",
           "npsScore": "40", "custom": '{"tier__cs": "gold"}'}  # fmt: skip
    assert write_records(conn, WriteJob("create_client"), [row]).ok == 1
    acme = by(simulator.store.records("clients"), "name", "Acme")[0]
    assert (acme["active"], acme["inceptionDate"], acme["npsScore"]) == (True, "2024-01-02", 40)
    rows = [{"name": f"Bulk {i}", "status": "TRIAL", "active": "false"} for i in range(150)]
    rows.append({"name": "Bad", "status": "NOPE", "active": "true"})  # enum error, before sending
    summary = write_records(conn, WriteJob("bulk_create_clients"), rows)
    assert (summary.ok, summary.error, summary.requests) == (150, 1, 2)
    names = [c["name"] for c in simulator.store.records("clients")]
    assert sum(n.startswith("Bulk ") for n in names) == 150
    assert "Bad" not in names


def test_contacts_every_template(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int], tmp_path: Path
) -> None:
    results = tmp_path / "c.jsonl"
    row = {"clientId": client_ids[0], "email": "one@x.io", "firstName": "One", "champion": "y"}
    assert write_records(conn, WriteJob("create_contact", results=results), [row]).ok == 1
    uuid = ledger(results)[-1]["uuid"]
    patch = [{"contactId": uuid, "title": "CTO"}]
    assert write_records(conn, WriteJob("patch_contact"), patch).ok == 1
    contact = by(simulator.store.records("contacts"), "uuid", uuid)[0]
    assert (contact["title"], contact["firstName"], contact["champion"]) == ("CTO", "One", True)
    put = [{"contactId": uuid, "clientId": client_ids[0], "email": "one@x.io", "lastName": "L"}]
    assert (
        write_records(conn, WriteJob("update_contact"), put, Recorder(warnings=lambda _: None)).ok
        == 1
    )
    contact = by(simulator.store.records("contacts"), "uuid", uuid)[0]
    assert (contact["lastName"], contact["title"], contact["firstName"]) == ("L", None, None)

    bulk = [{"clientId": client_ids[i % 3], "email": f"b{i}@x.io"} for i in range(120)]
    assert write_records(conn, WriteJob("bulk_create_contacts"), bulk).ok == 120
    upserts = [
        {"clientId": client_ids[i % 3], "email": f"B{i}@x.io", "title": "T"} for i in range(130)
    ]
    assert write_records(conn, WriteJob("upsert_batch_contacts"), upserts).ok == 130
    single = [{"clientId": client_ids[0], "email": "b0@x.io", "phone": "123"},
              {"clientId": client_ids[0], "email": "fresh@x.io"}]  # fmt: skip
    assert write_records(conn, WriteJob("upsert_contact"), single).ok == 2
    contacts = simulator.store.records("contacts")
    emails = [str(c["email"]).lower() for c in contacts]
    for i in range(130):
        assert emails.count(f"b{i}@x.io") == 1
    b0 = next(c for c in contacts if c["email"] == "b0@x.io")
    assert (b0["title"], b0["phone"]) == ("T", "123")
    assert emails.count("fresh@x.io") == 1


def test_contracts_and_items(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int], tmp_path: Path
) -> None:
    results = tmp_path / "k.jsonl"
    row = {"clientId": client_ids[0], "name": "Deal", "bookingDate": "2024-03-01",
           "recurring": "true", "probability": "80"}  # fmt: skip
    assert write_records(conn, WriteJob("create_contract", results=results), [row]).ok == 1
    contract_id = ledger(results)[-1]["id"]
    put = [{"contractId": contract_id, "clientId": client_ids[0], "name": "Deal 2"}]
    assert (
        write_records(conn, WriteJob("update_contract"), put, Recorder(warnings=lambda _: None)).ok
        == 1
    )
    contract = simulator.store.get("contracts", contract_id)
    assert contract is not None
    assert (contract["name"], contract["bookingDate"]) == ("Deal 2", None)

    items = [
        {"contract": contract_id, "productCode": "A", "quantity": "2", "pricePer": "10.5",
         "recurring": "yes", "termStartDate": "2024-01-01", "termEndDate": "2024-12-31"},
        {"contract": contract_id, "productCode": "B", "quantity": "1", "pricePer": "3"},
    ]  # fmt: skip
    summary = write_records(
        conn, WriteJob("add_contract_items", mapping={"contractId": "contract"}), items
    )
    assert (summary.ok, summary.requests) == (2, 1)
    contract = simulator.store.get("contracts", contract_id)
    assert contract is not None
    codes = {i["productCode"]: i for i in contract["items"]}
    assert set(codes) == {"A", "B"}
    assert codes["A"]["total"] == 21.0
    change = [{"contractId": contract_id, "id": codes["B"]["id"], "quantity": "5"}]
    assert write_records(conn, WriteJob("update_contract_items"), change).ok == 1
    contract = simulator.store.get("contracts", contract_id)
    assert contract is not None
    item_b = next(i for i in contract["items"] if i["productCode"] == "B")
    assert item_b["quantity"] == 5


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json", "parquet", "duckdb"])
def test_every_input_format_end_to_end(
    simulator: SimulatorHandle, conn: Connection, client_ids: list[int], tmp_path: Path, fmt: str
) -> None:
    from clientsuccess_connector.write import WriteJob, write_input

    rows = [{"clientId": client_ids[i % 2], "email": f"{fmt}{i}@x.io"} for i in range(30)]
    if fmt == "csv":
        path = tmp_path / "in.csv"
        path.write_text(
            "clientId,email\n" + "".join(f"{r['clientId']},{r['email']}\n" for r in rows)
        )
        spec = str(path)
    elif fmt == "jsonl":
        path = tmp_path / "in.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        spec = str(path)
    elif fmt == "json":
        path = tmp_path / "in.json"
        path.write_text(json.dumps(rows))
        spec = str(path)
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = tmp_path / "in.parquet"
        pq.write_table(pa.Table.from_pylist(rows), path)
        spec = str(path)
    else:
        import duckdb

        path = tmp_path / "in.duckdb"
        con = duckdb.connect(str(path))
        con.execute('CREATE TABLE t ("clientId" BIGINT, email VARCHAR)')
        con.executemany("INSERT INTO t VALUES (?, ?)", [(r["clientId"], r["email"]) for r in rows])
        con.close()
        spec = f"duckdb:///{path}?table=t"
    summary = write_input(conn, WriteJob("bulk_create_contacts", input=spec))
    assert (summary.ok, summary.error) == (30, 0)
    emails = {c["email"] for c in simulator.store.records("contacts")}
    assert {r["email"] for r in rows} <= emails
