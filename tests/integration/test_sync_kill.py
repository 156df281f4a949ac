"""A sync killed with SIGKILL at random points and run again ends equal to an uninterrupted one."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clientsuccess_connector.read.default_streams import DEFAULT_STREAMS
from clientsuccess_connector.simulator import SimulatorConfig, run_simulator
from clientsuccess_connector.sinks import open_sink

KILL_POINTS = 4


def sync_command(url: str) -> list[str]:
    """The CLI sync of every default stream into `url`, small batches for many commit points."""
    return [sys.executable, "-m", "clientsuccess_connector", "--quiet", "sync",
            "--destination", url, "--batch-size", "150"]  # fmt: skip


def table_contents(url: str) -> dict[str, dict[int, object]]:
    """Each stream's rows by id (with the synced-at column dropped)."""
    out: dict[str, dict[int, object]] = {}
    with open_sink(url) as sink:
        for stream in DEFAULT_STREAMS:
            rows = sink.read_rows(stream)
            out[stream] = {
                int(r["id"]): {k: v for k, v in r.items() if k != "_cs_synced_at"} for r in rows
            }
            assert len(out[stream]) == len(rows), f"duplicate ids in {stream}"
    return out


@pytest.mark.slow
def test_sigkill_at_random_points_then_rerun_equals_uninterrupted(tmp_path: Path) -> None:
    """Kill -9 a running sync several times; the final tables equal an uninterrupted sync's."""
    rng = random.Random(20261127)
    with run_simulator(SimulatorConfig(clients=400, seed=5, latency_ms=2)) as sim:
        env = {**os.environ, **sim.env()}
        killed_url = f"duckdb:///{tmp_path / 'killed.duckdb'}"
        clean_url = f"duckdb:///{tmp_path / 'clean.duckdb'}"
        kills = 0
        for _ in range(KILL_POINTS):
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            proc = subprocess.Popen(sync_command(killed_url), env=env, **quiet)  # type: ignore[call-overload]
            time.sleep(rng.uniform(0.8, 2.5))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait(timeout=60)
        final = subprocess.run(
            sync_command(killed_url), env=env, capture_output=True, timeout=300, check=False
        )
        assert final.returncode == 0, final.stderr.decode()
        clean = subprocess.run(
            sync_command(clean_url), env=env, capture_output=True, timeout=300, check=False
        )
        assert clean.returncode == 0, clean.stderr.decode()
        assert kills >= 1, "no run was still going when killed; lengthen the sync"
        killed_tables, clean_tables = table_contents(killed_url), table_contents(clean_url)
        assert killed_tables == clean_tables
        for stream in DEFAULT_STREAMS:
            assert set(killed_tables[stream]) == {r["id"] for r in sim.store.records(stream)}
