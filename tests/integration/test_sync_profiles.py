"""Sync is exact on every server profile: nothing lost, nothing duplicated, or it says so."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest

from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.simulator.profile import ServerProfile
from clientsuccess_connector.simulator.timefmt import fmt_ms
from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.syncing import StreamResult, SyncOptions, sync
from tests.integration.helpers import connect

PROFILES = {
    "exact": ServerProfile(),
    "second": ServerProfile(after_precision="second"),
    "second-inclusive": ServerProfile(after_precision="second", after_compare="at_or_after"),
    "day": ServerProfile(after_precision="day"),
    "unsorted": ServerProfile(sort="ignored"),
    "scan": ServerProfile(query_cost="scan", after_precision="second"),
}
STREAMS = {"pulses": "search_pulses", "clients": "search_clients"}


def add_in_one_second(sim: SimulatorHandle, resource: str, count: int, field: str) -> None:
    """`count` copies of a record, all stamped within one second from now."""
    base = (time.time_ns() // 1_000_000_000 + 1) * 1000
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


def assert_exact(sim: SimulatorHandle, url: str) -> None:
    """Each stream holds every simulator record exactly once."""
    with open_sink(url) as sink:
        for stream in STREAMS:
            ids = [int(row["id"]) for row in sink.read_rows(stream)]
            expected = {int(r["id"]) for r in sim.store.records(stream)}
            assert len(ids) == len(set(ids)), f"{stream}: duplicated rows"
            assert set(ids) == expected, f"{stream}: {len(expected - set(ids))} lost"


@pytest.mark.parametrize("profile", PROFILES.values(), ids=PROFILES.keys())
def test_sync_is_exact_on_every_server(
    simulator: SimulatorHandle, tmp_path: Path, profile: ServerProfile
) -> None:
    """1,000 records in one second, churn while paging, then more: all land exactly once."""
    simulator.profile = profile
    url = f"duckdb:///{tmp_path / 'exact.duckdb'}"
    add_in_one_second(simulator, "pulses", 1000, "createdTimestamp")
    simulator.faults.configure(churn_rate=0.5, churn_modify=3, churn_create=2)
    first = run(simulator, url, batch_size=250, windows_per_stream=3)
    assert all(r.error is None for r in first.values()), [r.error for r in first.values()]
    simulator.faults.off()
    add_in_one_second(simulator, "pulses", 1000, "createdTimestamp")
    add_in_one_second(simulator, "clients", 300, "modifiedTime")
    second = run(simulator, url, batch_size=250, windows_per_stream=3)
    assert all(r.error is None and r.incremental for r in second.values()), [r.error for r in second.values()]
    assert_exact(simulator, url)
