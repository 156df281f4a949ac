"""The benchmark harness: every run is counted in its destination, a run that lost or duplicated
records is flagged and left out of the medians, and the report says which targets were missed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import psycopg
import pytest
from bench.common import Simulator
from bench.postgres_load import ours_postgres
from bench.report import render, targets
from bench.rounds import Series, run_once
from bench.tools import Tool, _rows, ours, raw

from clientsuccess_connector.simulator import SimulatorHandle


def _sim(handle: SimulatorHandle) -> Simulator:
    return Simulator(handle.api_v1_url, handle.base_url, os.getpid(), 0.0)


@pytest.mark.slow
def test_our_sync_and_the_raw_loop_deliver_every_record_once(
    shared_simulator: SimulatorHandle, tmp_path: Path
) -> None:
    sim = _sim(shared_simulator)
    for tool in (ours(sim, ["client_notes"]), raw(sim, "client_notes")):
        run = run_once(tool, tmp_path / tool.key)
        assert run.note == "" and run.ok
        assert run.records == tool.expected == sim.count("client_notes")


@pytest.mark.slow
@pytest.mark.postgres
def test_a_postgresql_run_is_counted_in_its_own_schema_which_is_dropped_after(
    shared_simulator: SimulatorHandle, tmp_path: Path, postgres_url: str
) -> None:
    server = postgres_url.split("?schema=", maxsplit=1)[0]
    sim = _sim(shared_simulator)
    expected = sim.count("client_notes")
    run = run_once(ours_postgres(sim.base, server, "client_notes", expected), tmp_path / "pg-run")
    assert run.note == "" and run.records == expected
    with psycopg.connect(server) as con:
        left = con.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'bench_pg_run'")
        assert left.fetchone() is None


def test_a_run_that_duplicated_records_is_flagged_and_left_out(tmp_path: Path) -> None:
    db = tmp_path / "dup.duckdb"
    script = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
        "con.execute('CREATE TABLE client_notes AS SELECT * FROM (VALUES (1), (2), (2)) t(id)')"
    )

    def command(_: Path) -> tuple[list[str], dict[str, str]]:
        return [sys.executable, "-c", script, str(db)], {}

    tool = Tool("ours", "ours", command, lambda _w, _m: _rows(db, ["client_notes"]), 3)
    run = run_once(tool, tmp_path / "work")
    assert "1 duplicated ids" in run.note
    series = Series("ours", "ours", 3, [run])
    assert series.good == [] and series.rps == 0.0


def _series(rps: float, expected: int = 100) -> dict[str, object]:
    run = {"seconds": 1.0, "peak_rss_mb": 100.0, "records": expected, "ok": True, "note": "",
           "records_per_second": rps}  # fmt: skip
    return {"label": "x", "expected": expected, "runs": [run], "median_records_per_second": rps,
            "median_seconds": 1.0, "median_peak_rss_mb": 100.0}  # fmt: skip


def test_the_report_names_each_missed_target_under_each_cost_model() -> None:
    def part(dlt: float) -> dict[str, object]:
        series = {"raw": _series(1000), "ours": _series(900), "dlt": _series(dlt)}
        return {"clients": 1, "counts": {"client_notes": 100, "contacts": 0}, "series": series}

    res = {"command": "make bench", "started": "now", "machine": "2 cores",
           "throughput": {"indexed": part(100), "scan": part(200)}}  # fmt: skip
    rows = {name: verdict for name, _, verdict in targets(res)}
    assert rows["ours / dlt rest_api into DuckDB >= 8x (indexed)"] == "met"
    assert rows["ours / dlt rest_api into DuckDB >= 8x (scan)"] == "**missed**"
    assert rows["ours loading DuckDB / raw loop paged the same way >= 60% (scan)"] == "met"
    assert rows["zero records lost or duplicated"] == "met"
    assert rows["peak RSS at 1M records <= 300 MB"] == "not measured"
    text = render(res)
    assert "| ours / dlt rest_api into DuckDB >= 8x (scan) | 4.5x | **missed** |" in text


def test_the_report_says_which_server_profile_lost_records() -> None:
    lost = _series(50)
    lost["runs"][0] |= {"records": 90, "note": "delivered 90 of 100 records"}  # type: ignore[index]
    servers = {
        "clients": 10,
        "streams": ["client_notes"],
        "exact": {"profile": {"sort": "honoured"}, "series": {"ours": _series(50)}},
        "day": {"profile": {"after_precision": "day"}, "series": {"ours": lost}},
    }
    res = {"command": "make bench", "started": "now", "machine": "2 cores", "servers": servers}
    text = render(res)
    assert "| `exact` | sort honoured | 100 | yes |" in text
    assert "| `day` | after_precision day | 100 | **no** |" in text
    assert "- day: delivered 90 of 100 records" in text
    assert ("zero records lost or duplicated", "1 of 2 runs of ours exact (ours: delivered 90 of "
            "100 records)", "**missed**") in targets(res)  # fmt: skip
