"""The DuckDB example in docs/integrations.md runs as printed, and its second run reads only
what changed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb

from clientsuccess_connector.simulator import SimulatorHandle
from tests.integration.simulator_changes import DEFAULT_STREAMS

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"


def example() -> str:
    """The first Python block after the heading of the runnable example."""
    text = DOC.read_text()
    after = text[text.index("### A runnable example into DuckDB") :]
    match = re.search(r"```python\n(.*?)```", after, re.S)
    assert match is not None
    return match.group(1)


def test_the_duckdb_example_runs_as_documented(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """With the simulator's variables exported, the example loads every default stream."""
    script = tmp_path / "load.py"
    script.write_text(example())
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("CLIENTSUCCESS_", "SOURCES__"))}  # fmt: skip
    env = {**base, **simulator.env(), "DLT_DATA_DIR": str(tmp_path / "dlt"),
           "RUNTIME__DLTHUB_TELEMETRY": "false"}  # fmt: skip
    command = [sys.executable, str(script)]
    options = {"cwd": tmp_path, "env": env, "capture_output": True, "text": True, "timeout": 300}
    runs = [subprocess.run(command, check=False, **options) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert "{}" in runs[1].stdout.splitlines()[-1]  # nothing changed: nothing read again
    with duckdb.connect(str(tmp_path / "clientsuccess_dlt.duckdb"), read_only=True) as con:
        for stream in DEFAULT_STREAMS:
            row = con.execute(f"select count(*) from clientsuccess.{stream}").fetchone()
            assert row is not None
            assert row[0] == len(simulator.store.records(stream)), stream
