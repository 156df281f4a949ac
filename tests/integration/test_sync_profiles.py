"""Sync is exact on every server profile: nothing lost, nothing duplicated, or it says so."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest

from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.read.incremental import ServerStatement
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.simulator.profile import PRESETS, ServerProfile
from clientsuccess_connector.simulator.timefmt import fmt_ms
from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.syncing.run import StreamResult, SyncOptions, sync
from tests.integration.helpers import connect

STREAMS = {"pulses": "search_pulses", "clients": "search_clients"}


def add_in_one_second(sim: SimulatorHandle, resource: str, count: int, field: str) -> None:
    """`count` copies of a record, all stamped within the last whole second (records changed
    from now on are stamped later, as on a real server)."""
    base = (time.time_ns() // 1_000_000_000 - 1) * 1000
    template = sim.store.records(resource)[0]
    for index in range(count):
        record = copy.deepcopy(template)
        record["id"] = sim.store.new_id(resource)
        if "uuid" in record:
            record["uuid"] = f"same-second-{record['id']}"
        for name in {field, "modifiedTime", "createdTime"} & record.keys():
            record[name] = fmt_ms(base + index % 1000)
        sim.store.put(resource, record)


def run(sim: SimulatorHandle, url: str, **options: object) -> dict[str, StreamResult]:
    """One sync of the pulses and clients streams."""
    sources = {name: resolve(SourceSpec(name, template=t)) for name, t in STREAMS.items()}
    with connect(sim) as conn, open_sink(url) as sink:
        results = sync(conn, sink, sources, SyncOptions(**options))  # type: ignore[arg-type]
    return {r.stream: r for r in results}


def assert_exact(sim: SimulatorHandle, url: str, deleted: bool = False) -> None:
    """Each stream holds every simulator record exactly once (and, when records were deleted
    along the way, possibly their rows: incremental runs do not notice deletions)."""
    with open_sink(url) as sink:
        for stream in STREAMS:
            ids = [int(row["id"]) for row in sink.read_rows(stream)]
            expected = {int(r["id"]) for r in sim.store.records(stream)}
            assert len(ids) == len(set(ids)), f"{stream}: duplicated rows"
            assert set(ids) >= expected, f"{stream}: {len(expected - set(ids))} lost"
            assert deleted or set(ids) == expected, f"{stream}: rows of no record"


def assert_proven(results: dict[str, StreamResult], may_fail: bool) -> None:
    """Every stream succeeded, or (when `may_fail`) failed saying it could not prove itself."""
    for result in results.values():
        if result.error is not None:
            assert may_fail and "cannot prove" in result.error, result.error


@pytest.mark.parametrize("deletes", [0, 1], ids=["churn", "churn-with-deletes"])
@pytest.mark.parametrize("profile", PRESETS.values(), ids=PRESETS.keys())
def test_sync_is_exact_on_every_server(
    simulator: SimulatorHandle, tmp_path: Path, profile: ServerProfile, deletes: int
) -> None:
    """1,000 records in one second, churn while paging (records changed, created and maybe
    deleted), then more: every record lands exactly once. Only a server that ignores sortBy,
    read while records are deleted, may fail a run (pages by number cannot be proven then),
    and then it says so."""
    simulator.profile = profile
    may_fail = deletes > 0 and profile.sort == "ignored"
    url = f"duckdb:///{tmp_path / 'exact.duckdb'}"
    add_in_one_second(simulator, "pulses", 1000, "createdTimestamp")
    churn = {"churn_rate": 0.5, "churn_modify": 3, "churn_create": 2, "churn_delete": deletes}
    simulator.faults.configure(**churn)
    assert_proven(run(simulator, url, batch_size=250, windows_per_stream=3), may_fail)
    add_in_one_second(simulator, "pulses", 1000, "createdTimestamp")
    add_in_one_second(simulator, "clients", 300, "modifiedTime")
    second = run(simulator, url, batch_size=250, windows_per_stream=3)
    assert_proven(second, may_fail)
    assert may_fail or all(r.incremental for r in second.values())
    simulator.faults.off()
    third = run(simulator, url, batch_size=250, windows_per_stream=3)  # the last changes
    assert all(r.error is None for r in third.values()), [r.error for r in third.values()]
    assert_exact(simulator, url, deleted=deletes > 0)


def test_a_stream_that_cannot_be_proven_complete_fails(tmp_path: Path) -> None:
    """A server counting more records than it ever returns makes the stream fail, not say ok."""
    import httpx

    from clientsuccess_connector.connection import Connection, ConnectionSettings

    def lying(request: httpx.Request) -> httpx.Response:
        rows = [{"id": i, "modifiedTime": f"2026-01-0{i}T00:00:00.000Z"} for i in (1, 2, 3)]
        body = {"data": rows, "last": True, "page": 0, "size": 100, "totalPages": 1,
                "totalElements": 5}  # fmt: skip
        return httpx.Response(200, json=body)

    settings = ConnectionSettings(base_url="http://api.test/api/v1", api_key="k" * 12)
    sources = {"clients": resolve(SourceSpec("clients", template="search_clients"))}
    url = f"duckdb:///{tmp_path / 'lying.duckdb'}"
    with Connection(settings, transport=httpx.MockTransport(lying)) as conn, open_sink(url) as sink:
        (result,) = sync(conn, sink, sources)
        assert result.error is not None and "cannot prove" in result.error
        assert sink.get_state("clients") is None


def test_a_server_stated_to_give_no_counts_is_read_by_keyset_at_once(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """`server: {counts: none}` spares the first run its read by page number (which a server
    without counts can never prove): the same records land, with fewer requests."""
    simulator.profile = PRESETS["no-counts"]
    learnt = run(simulator, f"duckdb:///{tmp_path / 'learnt.duckdb'}")
    url = f"duckdb:///{tmp_path / 'stated.duckdb'}"
    stated = run(simulator, url, server=ServerStatement(counts="none"))
    assert_exact(simulator, url)
    for stream, result in stated.items():
        assert result.error is None, result.error
        assert result.records == learnt[stream].records
        assert result.requests < learnt[stream].requests


def test_a_stated_unit_is_the_flows_not_the_states(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """A `modified_after_unit` the flow states is not written into the stream's state as if
    learnt: a user who states `day`, then corrects it to `ms`, gets `ms` on the next run."""
    url = f"duckdb:///{tmp_path / 'stated.duckdb'}"
    run(simulator, url, server=ServerStatement(modified_after_unit="day"))
    with open_sink(url) as sink:
        states = {stream: sink.get_state(stream) or {} for stream in STREAMS}
    assert all("precision" not in state for state in states.values()), states
    assert all(state.get("cursor") for state in states.values()), states
