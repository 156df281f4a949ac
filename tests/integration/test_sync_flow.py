"""`sync --flow`: chained sources through lookups, manual sources, and `--every`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from clientsuccess_connector.simulator import SimulatorHandle
from clientsuccess_connector.sinks import open_sink
from tests.integration.helpers import run_cli

FLOW = """
connection:
  api_key: ${CLIENTSUCCESS_API_KEY}
  max_concurrency: 6
destination: duckdb:///DB
sources:
  contracts:
    template: search_contracts
  contract_notes:
    template: search_contract_notes
    params: {contractId: "{contracts.id}"}
  recent_notes:
    url: /clientNote/search?modifiedAfter={now-36500}
    time_unit: day
    date_format: yyyy-MM-dd
    metadata_path: $.totalElements
    primary_key: [id]
lookups:
  contracts: {stream: contracts}
"""


def write_flow(tmp_path: Path) -> Path:
    """A flow file whose destination lives in tmp_path."""
    flow = tmp_path / "flow.yaml"
    flow.write_text(FLOW.replace("DB", str(tmp_path / "flow.duckdb")))
    flow.chmod(0o600)
    return flow


def test_sync_flow_with_chained_calls(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """A lookup stream fans out one call per contract; a manual source lands with _metadata."""
    flow = write_flow(tmp_path)
    result = run_cli(simulator, "sync", "--flow", str(flow))
    assert result.exit_code == 0, result.output
    with open_sink(f"duckdb:///{tmp_path / 'flow.duckdb'}") as sink:
        notes = sink.read_rows("contract_notes")
        assert {r["id"] for r in notes} == {
            r["id"] for r in simulator.store.records("contract_notes")
        }
        assert all(r["_lookup"] == {"contracts.id": r["tenantContractId"]} for r in notes)
        recent = sink.read_rows("recent_notes")
        total = len(simulator.store.records("client_notes"))
        assert len(recent) == total
        assert {r["_metadata"] for r in recent} == {total}
    again = run_cli(simulator, "sync", "--flow", str(flow), "--stream", "contract_notes")
    assert again.exit_code == 0, again.output


def test_sync_every_repeats_until_interrupted(simulator: SimulatorHandle, tmp_path: Path) -> None:
    """`--every 1s` runs again and again; Ctrl-C (SIGINT) stops it cleanly."""
    url = f"duckdb:///{tmp_path / 'every.duckdb'}"
    cmd = [sys.executable, "-m", "clientsuccess_connector", "sync", "--stream", "products",
           "--destination", url, "--every", "1s", "--log-format", "json"]  # fmt: skip
    env = {**os.environ, **simulator.env()}
    pipes = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "text": True}
    proc = subprocess.Popen(cmd, env=env, **pipes)  # type: ignore[call-overload]
    watchdog = threading.Timer(120, proc.kill)  # a hung run must not hang the suite
    watchdog.start()
    runs = 0
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if '"stream_done"' in line:
                runs += 1
                if runs == 2:
                    break
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert runs == 2, err
    assert proc.returncode in (0, 130), err
    with open_sink(url) as sink:
        assert sink.row_count("products") == len(simulator.store.records("products"))
