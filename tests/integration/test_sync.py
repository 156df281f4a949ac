"""Sync lands exactly the simulator's data in every destination, incrementally and idempotently."""

from __future__ import annotations

from typing import Any

import httpx

from clientsuccess_connector.read.default_streams import default_sources
from clientsuccess_connector.read.endpoint import resolve
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.syncing.run import StreamResult, SyncOptions, sync
from tests.integration.helpers import connect, normal

pytest_plugins = ["tests.sinks.conftest"]

CHECKED_FIELDS = {
    "clients": ["name", "status", "custom", "externalSystems", "modifiedTime", "npsScore"],
    "client_notes": ["note", "subject", "author", "properties", "modifiedTime"],
    "contracts": ["name", "items", "modifiedTime"],
    "contacts": ["firstName", "lastName", "email", "custom"],
    "pulses": ["note", "dispositionType", "createdTimestamp", "reasonCodes"],
    "products": ["name", "sku"],
}


def run(sim: SimulatorHandle, url: str, **options: Any) -> dict[str, StreamResult]:
    """One sync of every default stream."""
    sources = {name: resolve(spec) for name, spec in default_sources().items()}
    with connect(sim) as conn, open_sink(url) as sink:
        results = sync(conn, sink, sources, SyncOptions(**options))
    return {r.stream: r for r in results}


def assert_equal_to_simulator(sim: SimulatorHandle, url: str) -> None:
    """Every stream holds each simulator record once, with the same field values."""
    with open_sink(url) as sink:
        for stream, fields in CHECKED_FIELDS.items():
            rows = {int(r["id"]): r for r in sink.read_rows(stream)}
            expected = {r["id"]: r for r in sim.store.records(stream)}
            assert sink.row_count(stream) == len(expected), stream
            assert set(rows) == set(expected), stream
            for rid, record in expected.items():
                for name in fields:
                    assert normal(rows[rid].get(name)) == normal(record.get(name)), (
                        stream, rid, name,
                    )  # fmt: skip


def test_full_sync_equals_the_simulator(simulator: SimulatorHandle, destination_url: str) -> None:
    """A first sync lands every record of every default stream, values intact."""
    results = run(simulator, destination_url)
    assert all(r.error is None for r in results.values()), results
    assert_equal_to_simulator(simulator, destination_url)


def test_second_run_adds_nothing_and_incremental_picks_up_changes(
    simulator: SimulatorHandle, destination_url: str
) -> None:
    """Re-running adds no rows; after writes, the incremental run brings exactly the changes."""
    run(simulator, destination_url)
    again = run(simulator, destination_url)
    assert all(r.incremental for n, r in again.items()), again
    assert_equal_to_simulator(simulator, destination_url)

    client = simulator.store.records("clients")[0]
    note = simulator.store.records("client_notes")[0]
    with httpx.Client(base_url=simulator.api_v1_url,
                      headers={"X-API-Key": simulator.api_key}) as http:  # fmt: skip
        body = {"clientId": client["id"], "note": "<p>New &amp; «note»</p>", "subject": "Ünï"}
        created = http.post("/clientNote", json=body)
        assert created.status_code in (200, 201), created.text
        patched = http.patch(f"/clientNote/{note['id']}", json={"subject": "patched"})
        assert patched.status_code == 200, patched.text
    third = run(simulator, destination_url)
    # Only the stream that changed reads more than the small overlap window.
    assert third["client_notes"].records >= 2
    assert third["client_notes"].records < len(simulator.store.records("client_notes"))
    assert_equal_to_simulator(simulator, destination_url)


def test_churn_while_paging_is_caught_by_the_next_run(simulator: SimulatorHandle, tmp_path) -> None:
    """Records created and changed while a sync pages through are all there after the next run."""
    url = f"duckdb:///{tmp_path / 'churn.duckdb'}"
    simulator.faults.configure(churn_rate=1.0, churn_modify=3, churn_create=2)
    run(simulator, url, batch_size=50)
    simulator.faults.off()
    run(simulator, url)
    assert_equal_to_simulator(simulator, url)


def test_full_refresh_ignores_the_cursor(simulator: SimulatorHandle, tmp_path) -> None:
    """--full-refresh reads everything again and still merges (no duplicates)."""
    url = f"duckdb:///{tmp_path / 'fr.duckdb'}"
    run(simulator, url)
    results = run(simulator, url, full_refresh=True)
    assert not any(r.incremental for r in results.values())
    assert results["client_notes"].records >= len(simulator.store.records("client_notes"))
    assert_equal_to_simulator(simulator, url)


def test_windowed_sync_under_churn_equals_the_simulator(tmp_path) -> None:
    """A stream big enough to be read in several keyset windows, while records churn."""
    from clientsuccess_connector.simulator import SimulatorConfig, run_simulator

    with run_simulator(SimulatorConfig(clients=260, seed=11)) as sim:
        url = f"duckdb:///{tmp_path / 'windows.duckdb'}"
        sim.faults.configure(churn_rate=0.5, churn_modify=4, churn_create=2)
        first = run(sim, url, batch_size=300, windows_per_stream=4)
        assert first["client_notes"].requests > 20
        sim.faults.off()
        run(sim, url)
        assert_equal_to_simulator(sim, url)


def test_streams_overlap_but_max_concurrency_holds_for_all_of_them(
    simulator: SimulatorHandle, tmp_path: Any
) -> None:
    """Six streams are read side by side, yet never more than `max_concurrency` requests are in
    flight at once for the whole run (the interface's promise)."""
    simulator.faults.configure(latency_ms=30)
    simulator.stats.reset()
    sources = {name: resolve(spec) for name, spec in default_sources().items()}
    url = f"duckdb:///{tmp_path / 'limit.duckdb'}"
    with connect(simulator, max_concurrency=3) as conn, open_sink(url) as sink:
        results = sync(conn, sink, sources, SyncOptions())
    assert all(r.error is None for r in results)
    assert simulator.stats.peak_in_flight() <= 3
    assert simulator.stats.peak_routes_in_flight() >= 2
