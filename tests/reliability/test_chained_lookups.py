"""Chained calls of any depth: lookup streams read with their own lookups, cycles refused.

The finding: clients -> contacts (`tenantClientId: "{c.id}"`) -> get_contact
(`contactId: "{cc.uuid}"`) stopped with "lookup 'c' is not declared", because a lookup stream was
read without lookups of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.sinks import open_sink
from tests.integration.helpers import jsonl, run_cli

CHAIN = """
connection:
  api_key: ${CLIENTSUCCESS_API_KEY}
  max_concurrency: 4
destination: duckdb:///DB
sources:
  clients: {template: search_clients}
  contacts:
    template: search_contacts
    params: {tenantClientId: "{c.id}"}
  contact_details:
    template: get_contact
    params: {contactId: "{cc.uuid}"}
  client_pulses:
    template: search_pulses
    params: {clientId: "{c2.id}"}
lookups:
  c: {stream: clients}
  c2: {stream: clients}
  cc: {stream: contacts}
"""


def flow_file(tmp_path: Path, text: str) -> Path:
    """`text` as a flow file whose DuckDB destination lives in tmp_path."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(text.replace("DB", str(tmp_path / "chain.duckdb")))
    flow.chmod(0o600)
    return flow


def test_three_level_chain_syncs_exactly_the_expected_records(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """clients -> contacts of each client -> each contact by uuid: every record once, tagged."""
    flow = flow_file(tmp_path, CHAIN)
    result = run_cli(simulator, "sync", "--flow", str(flow))
    assert result.exit_code == 0, result.output
    clients = simulator.store.records("clients")
    contacts = simulator.store.records("contacts")
    with open_sink(f"duckdb:///{tmp_path / 'chain.duckdb'}") as sink:
        assert sorted(r["id"] for r in sink.read_rows("clients")) == sorted(
            c["id"] for c in clients
        )
        synced = sink.read_rows("contacts")
        details = sink.read_rows("contact_details")
        pulses = sink.read_rows("client_pulses")
    assert sorted(r["id"] for r in synced) == sorted(c["id"] for c in contacts)
    assert all(r["_lookup"] == {"c.id": r["tenantClientId"]} for r in synced)
    assert sorted(r["id"] for r in details) == sorted(c["id"] for c in contacts)
    assert all(r["_lookup"] == {"cc.uuid": r["uuid"]} for r in details)
    assert sorted(r["id"] for r in pulses) == sorted(
        p["id"] for p in simulator.store.records("pulses")
    )


def test_a_lookup_stream_is_read_once_per_run(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """Two lookups over `clients` (and its own sync) share one read of it per lookup load."""
    flow = flow_file(tmp_path, CHAIN)
    result = run_cli(simulator, "sync", "--flow", str(flow), "--stream", "client_pulses",
                     "--stream", "contact_details")  # fmt: skip
    assert result.exit_code == 0, result.output
    # One page of 30 clients, read once for the lookups c and c2 (and cc's stream's lookup c).
    assert simulator.stats.requests("search_clients") == 1


def test_test_command_reads_a_two_level_chain(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """`test --flow F contact_details` reads clients, then contacts, then contacts by uuid."""
    flow = flow_file(tmp_path, CHAIN)
    result = run_cli(simulator, "test", "--flow", str(flow), "contact_details", "--limit", "3",
                     "--format", "jsonl")  # fmt: skip
    assert result.exit_code == 0, result.output
    records = jsonl(result)
    assert len(records) == 3
    known = {c["uuid"]: c["id"] for c in simulator.store.records("contacts")}
    assert all(known[r["_lookup"]["cc.uuid"]] == r["id"] for r in records)  # type: ignore[index]


CYCLES = {
    "two streams": (
        """
  clients: {template: search_clients, params: {externalId: "{cc.tenantClientId}"}}
  contacts: {template: search_contacts, params: {tenantClientId: "{c.id}"}}
lookups:
  c: {stream: clients}
  cc: {stream: contacts}
""",
        "c -> cc -> c",
    ),
    "itself": (
        """
  notes: {template: search_contract_notes, params: {contractId: "{n.contractId}"}}
lookups:
  n: {stream: notes}
""",
        "n -> n",
    ),
}


@pytest.mark.parametrize("command", ["sync", "test"])
@pytest.mark.parametrize("case", sorted(CYCLES))
def test_a_cycle_is_refused_before_any_request(
    simulator: SimulatorHandle, tmp_path: Path, case: str, command: str
) -> None:
    """A lookup needing its own stream's records, directly or not, is exit 2 naming the cycle."""
    body, cycle = CYCLES[case]
    flow = flow_file(
        tmp_path, "connection: {api_key: k}\ndestination: duckdb:///DB\nsources:" + body
    )
    stream = "notes" if case == "itself" else "contacts"
    args = (
        ["sync", "--flow", str(flow)]
        if command == "sync"
        else ["test", "--flow", str(flow), stream]
    )
    result = run_cli(simulator, *args)
    assert result.exit_code == 2, result.output
    assert f"lookups form a cycle: {cycle} " in result.output
    assert "file: PATH" in result.output
    assert simulator.stats.requests() == 0
    assert not (tmp_path / "chain.duckdb").exists()
