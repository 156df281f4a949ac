"""A process killed mid-sync leaves every destination consistent: rows match the stored state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clientsuccess_connector.sinks import open_sink

BATCH = 2000
WRITER = """
import sys
from clientsuccess_connector.sinks import open_sink
sink = open_sink(sys.argv[1])
BATCH = int(sys.argv[2])
n = 0
while True:
    rows = [{"id": n * BATCH + i, "batch": n, "note": "x" * 200, "tags": [n, i]}
            for i in range(BATCH)]
    sink.write_batch("notes", rows, ["id"], state={"batches": n + 1})
    n += 1
    if n == 3:
        print("ready", flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["duckdb", "jsonl", "parquet"])
def test_kill_mid_sync_keeps_rows_and_state_together(tmp_path: Path, kind: str) -> None:
    url = f"duckdb:///{tmp_path / 'x.duckdb'}" if kind == "duckdb" else f"{kind}:///{tmp_path}"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, str(BATCH)],
        stdout=subprocess.PIPE,
        env=os.environ.copy(),
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    with open_sink(url) as sink:
        state = sink.get_state("notes")
        assert state is not None
        count = sink.row_count("notes")
        assert count == state["batches"] * BATCH
        rows = sink.read_rows("notes")
    assert {r["batch"] for r in rows} == set(range(state["batches"]))
