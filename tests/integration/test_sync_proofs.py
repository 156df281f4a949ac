"""What a sync proves, and what it owns up to: precision learnt only on evidence, servers
without counts, and every request of a stream counted."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from clientsuccess_connector.connection import Connection, ConnectionSettings
from clientsuccess_connector.read.endpoint import SourceSpec, resolve
from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.simulator.profile import ServerProfile
from clientsuccess_connector.sinks import open_sink
from clientsuccess_connector.syncing.run import StreamResult, SyncOptions, sync
from tests.integration.helpers import run_cli
from tests.integration.test_sync_profiles import add_in_one_second

Hook = Callable[[httpx.Request, httpx.Response], None]


class Hooked(httpx.HTTPTransport):
    """Real HTTP to the simulator; `hook` sees each answer before the client does."""

    def __init__(self, hook: Hook) -> None:
        super().__init__()
        self.hook = hook

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        response.read()
        self.hook(request, response)
        return response


def sync_one(
    sim: SimulatorHandle, url: str, stream: str, hook: Hook | None = None, **options: object
) -> StreamResult:
    """One sync of `stream` (template `search_<stream>`), optionally through a hook."""
    settings = ConnectionSettings(base_url=sim.api_v1_url, api_key=sim.api_key,
                                  backoff_base=0.01, backoff_cap=0.05)  # fmt: skip
    transport = Hooked(hook) if hook is not None else None
    sources = {stream: resolve(SourceSpec(stream, template=f"search_{stream}"))}
    with Connection(settings, transport=transport) as conn, open_sink(url) as sink:
        (result,) = sync(conn, sink, sources, SyncOptions(**options))  # type: ignore[arg-type]
    return result


def stored(url: str, stream: str) -> tuple[list[int], dict[str, object]]:
    """The ids of the destination's rows, and the stream's state."""
    with open_sink(url) as sink:
        return [int(r["id"]) for r in sink.read_rows(stream)], sink.get_state(stream) or {}


def test_records_deleted_at_a_keyset_step_do_not_coarsen_the_precision(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """The records a keyset step starts from are deleted before the step is asked: the server
    still compares to the millisecond, so the state must not learn a coarser unit, and every
    record still there lands once."""
    url = f"duckdb:///{tmp_path / 'cs.duckdb'}"
    assert sync_one(simulator, url, "pulses").error is None
    add_in_one_second(simulator, "pulses", 400, "createdTimestamp")  # 400 distinct ms
    deleted: list[int] = []

    def delete_newest_of_first_page(request: httpx.Request, response: httpx.Response) -> None:
        query = request.url.params
        if deleted or "modifiedAfter" not in query or query.get("size") == "1":
            return
        newest = response.json()["data"][-1]
        simulator.store.delete("pulses", newest["id"])
        deleted.append(newest["id"])

    result = sync_one(simulator, url, "pulses", delete_newest_of_first_page)
    assert result.error is None and result.incremental and deleted
    ids, state = stored(url, "pulses")
    assert state.get("precision", "ms") == "ms"
    assert len(ids) == len(set(ids))
    assert set(ids) - set(deleted) == {int(r["id"]) for r in simulator.store.records("pulses")}


@pytest.mark.parametrize("precision", ["ms", "second", "day"])
def test_a_server_compared_coarsely_is_still_learnt(
    simulator: SimulatorHandle, tmp_path: Path, precision: str
) -> None:
    """Learning on evidence only still finds a coarse server out (and keeps it in the state)."""
    simulator.profile = ServerProfile(after_precision=precision)
    url = f"duckdb:///{tmp_path / 'cs.duckdb'}"
    assert sync_one(simulator, url, "pulses").error is None
    for _ in range(3):
        add_in_one_second(simulator, "pulses", 150, "createdTimestamp")
    result = sync_one(simulator, url, "pulses")
    assert result.error is None and result.incremental
    ids, state = stored(url, "pulses")
    assert sorted(ids) == sorted(int(r["id"]) for r in simulator.store.records("pulses"))
    assert state.get("precision", "ms") in {"ms": ("ms",), "second": ("second", "day"),
                                             "day": ("day",)}[precision]  # fmt: skip


def test_a_wrongly_coarse_stored_precision_loses_nothing_under_churn(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """A state that says `day` on a millisecond server makes every step page by number within
    the day; records changed and created meanwhile still all land, once."""
    url = f"duckdb:///{tmp_path / 'cs.duckdb'}"
    assert sync_one(simulator, url, "pulses").error is None
    with open_sink(url) as sink:
        state = dict(sink.get_state("pulses") or {})
        sink.write_batch("pulses", [], ("id",), {**state, "precision": "day"})
    add_in_one_second(simulator, "pulses", 600, "createdTimestamp")
    simulator.faults.configure(churn_rate=0.5, churn_modify=3, churn_create=2)
    result = sync_one(simulator, url, "pulses", batch_size=100)
    simulator.faults.off()
    assert result.error is None, result.error
    assert sync_one(simulator, url, "pulses").error is None  # picks up the last changes
    ids, _ = stored(url, "pulses")
    assert sorted(ids) == sorted(int(r["id"]) for r in simulator.store.records("pulses"))


def test_without_counts_a_checked_keyset_read_is_proven(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """No totalElements anywhere: first and incremental runs read by keyset, whose checks
    prove them (every step came back whole, the last page was short)."""
    simulator.profile = ServerProfile(counts="missing")
    url = f"duckdb:///{tmp_path / 'cs.duckdb'}"
    first = sync_one(simulator, url, "pulses")
    add_in_one_second(simulator, "pulses", 400, "createdTimestamp")
    second = sync_one(simulator, url, "pulses")
    assert (first.error, second.error, second.incremental) == (None, None, True)
    ids, state = stored(url, "pulses")
    assert sorted(ids) == sorted(int(r["id"]) for r in simulator.store.records("pulses"))
    assert state.get("cursor")


def test_without_counts_no_request_asks_for_one(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """A server that gives no count is not asked for one at the end of each pass: a run with
    nothing new costs what it costs on a server that counts."""
    costs = {}
    for counts in ("exact", "missing"):
        simulator.profile = ServerProfile(counts=counts)
        url = f"duckdb:///{tmp_path / f'{counts}.duckdb'}"
        assert sync_one(simulator, url, "products").error is None
        again = sync_one(simulator, url, "products")
        assert again.error is None
        costs[counts] = again.requests
    assert costs["missing"] == costs["exact"]


def test_without_counts_pages_by_number_leave_the_stream_unproven(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    """No totalElements, and 1,000 records in one second of a second-precision server: the read
    must page by number inside that second, which nothing can check. The stream fails, saying
    why, and its cursor stays where it was."""
    simulator.profile = ServerProfile(counts="missing", after_precision="second")
    url = f"duckdb:///{tmp_path / 'cs.duckdb'}"
    assert sync_one(simulator, url, "pulses").error is None
    _, before = stored(url, "pulses")
    add_in_one_second(simulator, "pulses", 1000, "createdTimestamp")
    result = sync_one(simulator, url, "pulses")
    assert result.error is not None and "cannot prove the stream complete" in result.error
    assert "totalElements" in result.error
    _, after = stored(url, "pulses")
    assert after.get("cursor") == before.get("cursor")
    cli = run_cli(simulator, "sync", "--destination", url, "--stream", "pulses", "--json")
    assert cli.exit_code == 1
    summary = json.loads(cli.stdout)
    assert summary["status"] == "error" and summary["failed_streams"] == ["pulses"]


def test_probe_and_count_requests_are_counted(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """The summary's request count is what the server answered for the stream, window probes
    and counts included."""
    url = f"duckdb:///{tmp_path / 'cs.duckdb'}"
    assert sync_one(simulator, url, "pulses").error is None
    add_in_one_second(simulator, "pulses", 1500, "createdTimestamp")
    before = simulator.stats.requests("search_pulses")
    result = sync_one(simulator, url, "pulses", windows_per_stream=3)
    assert result.error is None and result.incremental
    assert result.requests == simulator.stats.requests("search_pulses") - before
