"""Every read template returns exactly the simulator's records, through the library and `test`."""

from __future__ import annotations

import orjson
import pytest

from clientsuccess_connector.catalog import catalog
from clientsuccess_connector.connection import Connection
from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.read.reader import Reader
from clientsuccess_connector.simulator import SimulatorHandle
from tests.integration.helpers import jsonl, run_cli

SEARCH_RESOURCES = {
    "search_pulses": "pulses",
    "search_client_notes": "client_notes",
    "search_clients": "clients",
    "search_contacts": "contacts",
    "search_contracts": "contracts",
    "search_products": "products",
}
SEARCH_TEMPLATES = sorted(n for n, t in catalog().items() if t.pagination == "envelope")


def read_all(conn: Connection, name: str, **params: object) -> list[dict[str, object]]:
    """Every record of a template read."""
    with Reader(conn) as reader:
        return list(reader.records(resolve(SourceSpec(name, template=name, params=params))))


@pytest.mark.parametrize("template", sorted(SEARCH_RESOURCES))
def test_search_templates_return_every_record_once(
    template: str, shared_simulator: SimulatorHandle, shared_connection: Connection
) -> None:
    """A full read of each search template yields each simulator id exactly once."""
    records = read_all(shared_connection, template)
    ids = [r["id"] for r in records]
    expected = {r["id"] for r in shared_simulator.store.records(SEARCH_RESOURCES[template])}
    assert len(ids) == len(set(ids))
    assert set(ids) == expected


@pytest.mark.parametrize(
    ("template", "resource"),
    [("search_contract_notes", "contract_notes"), ("search_contract_attachments",
                                                   "contract_attachments")],
)  # fmt: skip
def test_contract_scoped_searches_return_that_contracts_records(
    template: str, resource: str, shared_simulator: SimulatorHandle, shared_connection: Connection
) -> None:
    """Contract notes and attachments are read for the contract in the path, and only it."""
    rows = shared_simulator.store.records(resource)
    contract_id = max({r["tenantContractId"] for r in rows}, key=lambda c: sum(
        1 for r in rows if r["tenantContractId"] == c))  # fmt: skip
    records = read_all(shared_connection, template, contractId=contract_id)
    assert {r["id"] for r in records} == {
        r["id"] for r in rows if r["tenantContractId"] == contract_id
    }
    assert records


@pytest.mark.parametrize(
    ("template", "resource", "param", "key"),
    [
        ("get_client", "clients", "clientId", "uuid"),
        ("get_contact", "contacts", "contactId", "uuid"),
        ("get_contract", "contracts", "contractId", "id"),
        ("get_pulse", "pulses", "pulseId", "uuid"),
        ("get_client_note", "client_notes", "id", "id"),
    ],
)
def test_single_record_templates_return_the_record_asked_for(
    template: str,
    resource: str,
    param: str,
    key: str,
    shared_simulator: SimulatorHandle,
    shared_connection: Connection,
) -> None:
    """Get-by-id templates return the one record the simulator holds under that id."""
    wanted = shared_simulator.store.records(resource)[3]
    records = read_all(shared_connection, template, **{param: wanted[key]})
    assert [r["id"] for r in records] == [wanted["id"]]


def test_custom_fields_are_a_bare_array(
    shared_simulator: SimulatorHandle, shared_connection: Connection
) -> None:
    """list_custom_fields reads the bare JSON array the API returns."""
    records = read_all(shared_connection, "list_custom_fields", resourceType="CLIENT")
    assert records
    assert all("fieldId" in r for r in records)


def test_every_read_template_is_covered() -> None:
    """The tests above name every read template of the catalogue."""
    covered = set(SEARCH_RESOURCES) | {
        "search_contract_notes", "search_contract_attachments", "get_client", "get_contact",
        "get_contract", "get_pulse", "get_client_note", "list_custom_fields",
        # the v1 look-ups: tests/write/test_v1_templates.py (404 and `null` when absent)
        "find_client_by_external_id_v1", "find_contacts_v1",
    }  # fmt: skip
    assert covered == {n for n, t in catalog().items() if t.kind == "read"}


@pytest.mark.parametrize("template", sorted(SEARCH_RESOURCES))
def test_cli_test_command_prints_the_simulators_records(
    template: str, shared_simulator: SimulatorHandle
) -> None:
    """`test TEMPLATE --format jsonl` prints records whose ids the simulator holds."""
    result = run_cli(shared_simulator, "test", template, "--limit", "25", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    records = jsonl(result)
    expected = {r["id"] for r in shared_simulator.store.records(SEARCH_RESOURCES[template])}
    assert len(records) == min(25, len(expected))
    assert {r["id"] for r in records} <= expected


def test_cli_test_with_parameters_and_json_format(shared_simulator: SimulatorHandle) -> None:
    """`test search_pulses -p clientId=N --format json` returns only that client's Pulses."""
    client_id = shared_simulator.store.records("pulses")[0]["clientId"]
    result = run_cli(
        shared_simulator, "test", "search_pulses", "-p", f"clientId={client_id}",
        "--format", "json", "--limit", "1000",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    records = orjson.loads(result.stdout)
    expected = [r for r in shared_simulator.store.records("pulses") if r["clientId"] == client_id]
    assert {r["id"] for r in records} == {r["id"] for r in expected}


@pytest.mark.parametrize("template", SEARCH_TEMPLATES)
def test_paths_suggests_data_first_for_every_search(
    template: str, shared_simulator: SimulatorHandle
) -> None:
    """`paths` ranks `$.data[*]` first for every ClientSuccess search response."""
    params = []
    if template.startswith("search_contract_"):
        contract = shared_simulator.store.records("contract_notes")[0]["tenantContractId"]
        params = ["-p", f"contractId={contract}"]
    result = run_cli(shared_simulator, "paths", template, *params, "--json")
    assert result.exit_code == 0, result.output
    suggestions = orjson.loads(result.stdout)
    assert suggestions["data"][0]["path"] == "$.data[*]"
    assert "$.totalElements" in [m["path"] for m in suggestions["metadata"]]


def test_show_request_masks_the_key(shared_simulator: SimulatorHandle) -> None:
    """--show-request prints each request with the API key masked."""
    result = run_cli(shared_simulator, "test", "search_products", "--limit", "1",
                     "--show-request")  # fmt: skip
    assert result.exit_code == 0
    assert "GET " in result.stderr
    assert "X-API-Key: ***" in result.stderr
    assert shared_simulator.api_key not in result.output + result.stderr
