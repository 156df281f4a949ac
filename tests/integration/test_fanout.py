"""Lookup macros fan one call out per value: concurrent, streamed, each record tagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from clientsuccess_connector.config.flow import parse_flow
from clientsuccess_connector.errors import ApiError
from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.read.fanout import prepare_lookups
from clientsuccess_connector.read.lookups import LookupTable
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.simulator import SimulatorHandle
from tests.integration.helpers import connect


def test_fan_out_over_every_contract(shared_simulator: SimulatorHandle) -> None:
    """One request per contract id (hundreds) returns every contract note exactly once."""
    contracts = shared_simulator.store.records("contracts")
    assert len(contracts) >= 100
    table = LookupTable.from_records("contracts", ({"id": c["id"]} for c in contracts))
    source = resolve(
        SourceSpec("contract_notes", template="search_contract_notes",
                   params={"contractId": "{contracts.id}"})
    )  # fmt: skip
    with connect(shared_simulator, max_concurrency=8) as conn:
        with Reader(conn, lookups={"contracts": table}) as reader:
            records = list(reader.records(source))
        requests = conn.stats.requests
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids))
    assert set(ids) == {r["id"] for r in shared_simulator.store.records("contract_notes")}
    assert requests >= len(contracts)
    for record in records:
        assert record["_lookup"] == {"contracts.id": record["tenantContractId"]}


def test_fan_out_from_a_csv_file_with_a_date_macro(
    shared_simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """A manual URL mixing a lookup column from a CSV and a date macro."""
    pulses = shared_simulator.store.records("pulses")
    client_ids = sorted({p["clientId"] for p in pulses})[:5]
    lookup_file = tmp_path / "clients.csv"
    lookup_file.write_text("client_id,name\n" + "".join(f"{c},x\n" for c in client_ids))
    table = LookupTable.from_file(lookup_file, columns=["client_id"])
    source = resolve(
        SourceSpec(
            "pulses",
            url="/pulse/search?clientId={clients.client_id}&modifiedAfter={now-36500}",
            time_unit="day",
            date_format="yyyy-MM-dd",
        )
    )
    with connect(shared_simulator) as conn, Reader(conn, lookups={"clients": table}) as reader:
        records = list(reader.records(source))
    assert {r["id"] for r in records} == {p["id"] for p in pulses if p["clientId"] in client_ids}


def test_hostile_lookup_values_stay_in_their_segment(simulator: SimulatorHandle) -> None:
    """`../admin?x=1` as a contract id stays one segment: the server rejects it as an id (400)."""
    table = LookupTable.from_records("contracts", [{"id": "../admin?x=1"}])
    source = resolve(
        SourceSpec("notes", template="search_contract_notes",
                   params={"contractId": "{contracts.id}"})
    )  # fmt: skip
    seen: list[str] = []
    with connect(simulator) as conn:
        conn._on_request = seen.append
        with Reader(conn, lookups={"contracts": table}) as reader, pytest.raises(ApiError):
            list(reader.records(source))
    assert seen
    first_line = seen[0].splitlines()[0]
    assert "/contract/..%2Fadmin%3Fx%3D1/notes" in first_line
    assert "?x=1" not in first_line


def test_a_lookup_stream_fans_out_over_a_file_lookup(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """`prepare_lookups` reads a chain in order: a file of client ids, then their contacts."""
    clients = sorted(c["id"] for c in simulator.store.records("clients"))[:2]
    ids = tmp_path / "clients.csv"
    ids.write_text("id\n" + "".join(f"{c}\n" for c in clients))
    flow = parse_flow(
        {
            "sources": {
                "contacts": {"template": "search_contacts",
                             "params": {"tenantClientId": "{c.id}"}},
                "details": {"template": "get_contact", "params": {"contactId": "{cc.uuid}"}},
            },
            "lookups": {"c": {"file": str(ids)}, "cc": {"stream": "contacts"}},
        },
        path=None,
        env={},
    )  # fmt: skip
    with connect(simulator) as conn:
        tables = prepare_lookups(flow, conn, [resolve(flow.source("details"))])
    assert set(tables) == {"c", "cc"}
    expected = {c["uuid"] for c in simulator.store.records("contacts")
                if c["tenantClientId"] in clients}  # fmt: skip
    assert {row["uuid"] for row in tables["cc"].distinct_rows(["uuid"])} == expected
