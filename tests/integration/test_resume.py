"""A first full read stopped part way resumes at its last committed page instead of starting over,
and still ends equal to the server: records deleted meanwhile, whole pages of them, a server
without counts whose records have no stamp."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from click.testing import CliRunner

from clientsuccess_connector.cli import cli
from clientsuccess_connector.read.incremental.stream import IncrementalRead
from clientsuccess_connector.read.timestamps import format_timestamp, parse_timestamp
from clientsuccess_connector.simulator import SimulatorConfig, SimulatorHandle, run_simulator
from clientsuccess_connector.simulator.profile import ServerProfile
from clientsuccess_connector.sinks.duckdb_sink import DuckDBSink

STREAM, ROUTE, FIELD = "pulses", "/pulse/search", "createdTimestamp"
BATCH = "200"  # two pages of 100 a batch: a checkpoint every other page


class Stopped(Exception):
    """The run's process died here (the batch it was writing never committed)."""


@pytest.fixture
def sim() -> Iterator[SimulatorHandle]:
    with run_simulator(SimulatorConfig(clients=1000, seed=4)) as handle:
        yield handle


def sync(sim: SimulatorHandle, database: Path, *extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli, ["sync", "--stream", STREAM, "--destination", f"duckdb:///{database}",
              "--format", "json", "-q", "--batch-size", BATCH, *extra],
        env=sim.env(), catch_exceptions=False,
    )  # fmt: skip
    [row] = json.loads(result.stdout)["streams"]
    return dict(row)


def stopped_after(monkeypatch: pytest.MonkeyPatch, batches: int) -> None:
    """Make the next sync die while writing its batch number `batches + 1`."""
    real = DuckDBSink.write_batch
    written = [0]

    def write_batch(self: DuckDBSink, *args: Any, **kwargs: Any) -> int:
        if written[0] >= batches:
            raise Stopped("killed")
        written[0] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(DuckDBSink, "write_batch", write_batch)


def searches(sim: SimulatorHandle) -> int:
    return sum(1 for r in sim.stats.request_log() if r.path.endswith(ROUTE))


def stored(database: Path) -> dict[int, str | None]:
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(f'SELECT id, "{FIELD}" FROM {STREAM}').fetchall()
    return {row[0]: _stamp(row[1]) for row in rows}


def listed(sim: SimulatorHandle) -> dict[int, str | None]:
    return {r["id"]: _stamp(r.get(FIELD)) for r in sim.store.records(STREAM)}


def first_listed(sim: SimulatorHandle, count: int) -> list[int]:
    """The ids of the first `count` records in the order the server's search lists them."""
    with httpx.Client(base_url=sim.api_v1_url, headers={"X-API-Key": sim.api_key}) as http:
        page = http.get(ROUTE, params={"page": 0, "size": count}).json()
    return [record["id"] for record in page["data"]]


def _stamp(value: Any) -> str | None:
    moment = value if hasattr(value, "tzinfo") else parse_timestamp(value)
    return None if moment is None else format_timestamp(moment)


def test_a_first_read_stopped_twice_costs_little_more_than_a_clean_one(
    sim: SimulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = searches(sim)
    clean = sync(sim, tmp_path / "clean.duckdb")
    assert clean["status"] == "ok", clean
    clean_requests = searches(sim) - before

    database = tmp_path / "stopped.duckdb"
    spent = []
    for _ in range(2):
        before = searches(sim)
        with monkeypatch.context() as patch:
            stopped_after(patch, 2)
            failed = sync(sim, database)
        assert failed["status"] != "ok" and "killed" in failed["error"], failed
        spent.append(searches(sim) - before)
    before = searches(sim)
    final = sync(sim, database)
    assert final["status"] == "ok", final
    assert any("resumed the full read at page" in note for note in final["notes"]), final
    assert stored(database) == listed(sim)
    # The stopped runs committed 2 batches of 2 pages each; the last run reads only what they
    # did not, plus the page read again to find its place. What a stop loses is the pages it
    # had fetched ahead of its last commit (prefetch), however long the stream.
    committed_pages = 2 * 2 * 2
    assert searches(sim) - before <= clean_requests - committed_pages + 2, (spent, final)
    assert sum(spent) + searches(sim) - before < 2 * clean_requests


@pytest.mark.parametrize("deleted", [3, 150])
def test_records_deleted_before_the_checkpoint_are_not_skipped_past(
    sim: SimulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deleted: int
) -> None:
    """Deleting records the stopped run had read moves the rest back: a few are found by the
    anchor; more than a page starts the read over. Either way nothing is skipped."""
    database = tmp_path / "d.duckdb"
    with monkeypatch.context() as patch:
        stopped_after(patch, 3)
        assert sync(sim, database)["status"] != "ok"
    for record_id in first_listed(sim, deleted):
        sim.store.delete(STREAM, record_id)
    final = sync(sim, database)
    assert final["status"] == "ok", final
    notes = " ".join(final["notes"])
    assert ("resumed the full read" in notes) == (deleted < 100), notes
    assert ("could not resume" in notes) == (deleted >= 100), notes
    server, kept = listed(sim), stored(database)
    assert {i: kept.get(i) for i in server} == server


def test_a_changed_source_does_not_resume(
    sim: SimulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkpoint belongs to the read that wrote it: another page size starts over."""
    database = tmp_path / "d.duckdb"
    with monkeypatch.context() as patch:
        stopped_after(patch, 3)
        assert sync(sim, database)["status"] != "ok"
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        f"sources:\n  {STREAM}:\n    template: search_pulses\n"
        "    pagination: {type: envelope, page_size: 50}\n"
    )
    final = sync(sim, database, "--flow", str(flow))
    assert final["status"] == "ok", final
    assert not any("resumed" in note for note in final["notes"]), final
    assert stored(database) == listed(sim)


def test_a_whole_read_by_keyset_stopped_before_its_unstamped_pass_reads_them_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without counts a whole read goes by keyset and moves the cursor as it commits; the
    records without a stamp, which no keyset pass reaches, are still owed to the next run."""
    profile = ServerProfile(counts="missing", null_stamps=15)
    with run_simulator(SimulatorConfig(clients=40, seed=2, profile=profile)) as sim:
        database = tmp_path / "d.duckdb"

        def stop(self: IncrementalRead) -> None:
            raise Stopped("killed")

        with monkeypatch.context() as patch:
            patch.setattr(IncrementalRead, "_without_stamps", stop)
            assert sync(sim, database)["status"] != "ok"
        final = sync(sim, database)
        assert final["status"] == "ok", final
        assert set(stored(database)) == set(listed(sim))
