"""A dlt pipeline fed by `clientsuccess_source` lands exactly the simulator's data, and a second
run lands exactly what changed in between: into DuckDB and into the real PostgreSQL."""

from __future__ import annotations

import shutil
from typing import Any

import dlt
import pytest
from click.testing import CliRunner
from dlt.common.configuration.container import Container
from dlt.common.configuration.specs.pluggable_run_context import PluggableRunContext

from clientsuccess_connector.cli import cli
from clientsuccess_connector.dlt import clientsuccess_source
from clientsuccess_connector.simulator import SimulatorHandle
from tests.integration.helpers import normal
from tests.integration.simulator_changes import (
    CHECKED_FIELDS,
    DEFAULT_STREAMS,
    change_some_records,
    changed_since,
    snapshot,
)

Rows = dict[str, dict[int, dict[str, Any]]]


def landed(pipeline: dlt.Pipeline, streams: list[str] = DEFAULT_STREAMS) -> Rows:
    """Every row of each stream's table, by id, with dlt's column names."""
    out: Rows = {}
    with pipeline.sql_client() as client:
        for stream in streams:
            table = client.make_qualified_table_name(stream)
            with client.execute_query(f"SELECT * FROM {table}") as cursor:
                names = [d[0] for d in cursor.description]
                rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
            out[stream] = {row["id"]: row for row in rows}
    return out


def assert_same(pipeline: dlt.Pipeline, got: dict[int, dict[str, Any]],
                expected: dict[int, dict[str, Any]], stream: str) -> None:  # fmt: skip
    """The same ids, each with the simulator's values (under dlt's snake_case column names)."""
    naming = pipeline.default_schema.naming
    assert set(got) == set(expected), stream
    for rid, record in expected.items():
        for field in CHECKED_FIELDS[stream]:
            column = naming.normalize_identifier(field)
            assert normal(got[rid].get(column)) == normal(record.get(field)), (stream, rid, field)


def run_twice_and_check(pipeline: dlt.Pipeline, sim: SimulatorHandle, **settings: Any) -> None:
    """First run: the simulator's data; after writes, the second run: exactly the changes."""
    source = clientsuccess_source(base_url=sim.api_v1_url, api_key=sim.api_key, **settings)
    pipeline.run(source)
    before = snapshot(sim)
    first = landed(pipeline)
    for stream in DEFAULT_STREAMS:
        assert_same(pipeline, first[stream], before[stream], stream)

    change_some_records(sim)
    after = snapshot(sim)
    changed = changed_since(before, after)
    info = pipeline.run(clientsuccess_source(base_url=sim.api_v1_url, api_key=sim.api_key))
    extracted = pipeline.last_trace.last_normalize_info.row_counts
    second_load = info.loads_ids[-1]
    rows = landed(pipeline)
    for stream in DEFAULT_STREAMS:
        assert extracted.get(stream, 0) == len(changed[stream]), stream
        merged = {rid: r for rid, r in rows[stream].items() if r["_dlt_load_id"] == second_load}
        assert_same(pipeline, merged, changed[stream], stream)
        assert_same(pipeline, rows[stream], after[stream], stream)


def test_duckdb_gets_the_simulator_then_exactly_the_changes(
    simulator: SimulatorHandle, duckdb_pipeline: dlt.Pipeline
) -> None:
    """Six default streams into DuckDB, merged on `id`; the second run asks only for changes."""
    run_twice_and_check(duckdb_pipeline, simulator)
    schema = duckdb_pipeline.default_schema
    clients = schema.get_table("clients")
    assert clients["write_disposition"] == "merge"
    assert clients["columns"]["id"]["primary_key"] is True
    assert clients["columns"]["modified_time"]["data_type"] == "timestamp"
    assert clients["columns"]["custom"]["data_type"] == "json"


@pytest.mark.postgres
def test_postgres_gets_the_simulator_then_exactly_the_changes(
    simulator: SimulatorHandle, postgres_pipeline: dlt.Pipeline
) -> None:
    """The same through dlt's PostgreSQL destination on the real server."""
    run_twice_and_check(postgres_pipeline, simulator)


def test_flow_sources_become_resources(
    simulator: SimulatorHandle, duckdb_pipeline: dlt.Pipeline, tmp_path: Any
) -> None:
    """`flow=` gives one resource per flow source: a template with params, a manual endpoint
    and a fan-out over a lookup, which a second run resumes value by value."""
    client = simulator.store.records("clients")[0]["id"]
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "sources:\n"
        f"  one_client_notes: {{template: search_client_notes, params: {{clientId: {client}}}}}\n"
        "  manual_products: {url: /product/search, data_path: '$.data[*]', primary_key: [id]}\n"
        "  contract_notes:\n"
        "    template: search_contract_notes\n"
        "    params: {contractId: '{contracts.id}'}\n"
        "lookups:\n"
        "  contracts: {stream: contracts}\n"
    )
    source = clientsuccess_source(flow=str(flow), base_url=simulator.api_v1_url,
                                  api_key=simulator.api_key)  # fmt: skip
    names = ["one_client_notes", "manual_products", "contract_notes"]
    assert list(source.resources) == names
    duckdb_pipeline.run(source)
    rows = landed(duckdb_pipeline, names)
    notes = {r["id"] for r in simulator.store.records("client_notes") if r["clientId"] == client}
    assert set(rows["one_client_notes"]) == notes
    assert set(rows["manual_products"]) == {r["id"] for r in simulator.store.records("products")}
    expected = {r["id"] for r in simulator.store.records("contract_notes")}
    assert set(rows["contract_notes"]) == expected
    again = clientsuccess_source(flow=str(flow), base_url=simulator.api_v1_url,
                                 api_key=simulator.api_key)  # fmt: skip
    duckdb_pipeline.run(again.with_resources("contract_notes"))
    assert duckdb_pipeline.last_trace.last_normalize_info.row_counts.get("contract_notes", 0) == 0


def test_settings_from_dlt_secrets(
    simulator: SimulatorHandle, duckdb_pipeline: dlt.Pipeline, tmp_path: Any
) -> None:
    """`[sources.clientsuccess]` in dlt's secrets.toml connects, with nothing passed in code."""
    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "secrets.toml").write_text(
        f'[sources.clientsuccess]\nbase_url = "{simulator.api_v1_url}"\n'
        f'api_key = "{simulator.api_key}"\nstreams = ["products"]\n'
    )
    run_context = Container()[PluggableRunContext]
    run_context.reload(str(tmp_path))  # dlt reads .dlt/ once per process; read it here again
    try:
        duckdb_pipeline.run(clientsuccess_source())
    finally:
        shutil.rmtree(tmp_path / ".dlt")
        run_context.reload_providers()  # no later test sees these secrets
    rows = landed(duckdb_pipeline, ["products"])
    assert set(rows["products"]) == {r["id"] for r in simulator.store.records("products")}


def test_settings_from_a_named_credential(
    simulator: SimulatorHandle, duckdb_pipeline: dlt.Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`credential=` connects with a credential stored by `credentials add`."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    added = CliRunner().invoke(
        cli, ["credentials", "add", "sim", "--base-url", simulator.api_v1_url, "--secret-stdin"],
        input=simulator.api_key,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    duckdb_pipeline.run(clientsuccess_source(credential="sim", streams=["clients"]))
    rows = landed(duckdb_pipeline, ["clients"])
    assert set(rows["clients"]) == {r["id"] for r in simulator.store.records("clients")}


def test_streams_run_side_by_side_under_one_limit_and_one_login(
    simulator: SimulatorHandle, duckdb_pipeline: dlt.Pipeline
) -> None:
    """The resources are extracted in parallel over one shared connection: different streams'
    requests overlap, yet never more than `max_concurrency` are in flight, after one login."""
    simulator.faults.configure(latency_ms=40)
    simulator.stats.reset()
    source = clientsuccess_source(
        base_url=simulator.api_v1_url, username=simulator.username,
        password=simulator.password, max_concurrency=2,
    )  # fmt: skip
    duckdb_pipeline.run(source)
    assert simulator.stats.requests("auth") == 1
    assert simulator.stats.peak_in_flight() <= 2
    assert simulator.stats.peak_routes_in_flight() >= 2
    got = landed(duckdb_pipeline)
    for stream in DEFAULT_STREAMS:
        assert set(got[stream]) == {r["id"] for r in simulator.store.records(stream)}, stream
